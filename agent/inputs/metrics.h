// What metric inputs produce: families of points with node_exporter's names, help and types.
// One collection is a vector of families; the agent turns it into wire samples (batch.h) or
// Prometheus text exposition (agent/exposition.h).
#pragma once

#include <string>
#include <vector>

#include "common/batch.h"
#include "common/status.h"

namespace hivewatch {

struct MetricPoint {
  Labels labels;
  double value = 0;
};

struct MetricFamily {
  std::string name;  // e.g. "node_cpu_seconds_total"
  std::string help;  // one line, as node_exporter's
  MetricType type = MetricType::kGauge;
  std::vector<MetricPoint> points;
};

// A source of metrics, collected once per interval from one thread (not thread-safe).
class MetricsInput {
 public:
  virtual ~MetricsInput() = default;
  virtual const char* Name() const = 0;
  // Appends this input's families. A partial failure (one unreadable file) should still append
  // what could be read and return ok; a non-ok status means nothing useful was collected.
  virtual Status Collect(std::vector<MetricFamily>* out) = 0;
};

}  // namespace hivewatch
