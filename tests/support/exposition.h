// Test support: reading values back out of Prometheus text exposition.
#pragma once

#include <optional>
#include <sstream>
#include <string>

namespace hivewatch::testing {

// The value on the line for `series` (the metric name with its labels exactly as written, e.g.
// `hivewatch_http_requests_total{code="200",handler="/metrics"}`), or nullopt when absent.
inline std::optional<double> ExposedValue(const std::string& text, const std::string& series) {
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (line.rfind(series + " ", 0) != 0) continue;
    return std::stod(line.substr(series.size() + 1));
  }
  return std::nullopt;
}

}  // namespace hivewatch::testing
