// Prometheus text exposition of one collection (hivewatch-agent --once), through prometheus-cpp's
// TextSerializer so the format is exactly what Prometheus expects.
#pragma once

#include <string>
#include <vector>

#include "agent/inputs/metrics.h"

namespace hivewatch {

std::string ToPrometheusText(const std::vector<MetricFamily>& families);

}  // namespace hivewatch
