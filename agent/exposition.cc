#include "agent/exposition.h"

#include <prometheus/metric_family.h>
#include <prometheus/text_serializer.h>

#include <sstream>

namespace hivewatch {

std::string ToPrometheusText(const std::vector<MetricFamily>& families) {
  std::vector<prometheus::MetricFamily> out;
  out.reserve(families.size());
  for (const MetricFamily& f : families) {
    prometheus::MetricFamily pf;
    pf.name = f.name;
    pf.help = f.help;
    pf.type = f.type == MetricType::kCounter ? prometheus::MetricType::Counter
                                              : prometheus::MetricType::Gauge;
    for (const MetricPoint& p : f.points) {
      prometheus::ClientMetric m;
      for (const auto& [k, v] : p.labels) m.label.push_back({k, v});
      if (f.type == MetricType::kCounter) {
        m.counter.value = p.value;
      } else {
        m.gauge.value = p.value;
      }
      pf.metric.push_back(std::move(m));
    }
    out.push_back(std::move(pf));
  }
  std::ostringstream ss;
  prometheus::TextSerializer().Serialize(ss, out);
  return ss.str();
}

}  // namespace hivewatch
