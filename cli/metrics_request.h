// What `hivewatch metrics` asks the collector: a PromQL query over a time range (GET
// /api/v1/query_range) or at one instant (GET /api/v1/query), and the URLs for it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace hivewatch::cli {

struct MetricsRequest {
  std::string query;
  int64_t start_ms = 0;
  int64_t end_ms = 0;
  int64_t step_ms = 0;
  std::optional<int64_t> at_ms;  // set: an instant query at this time
};

// The step when --step is not given: about 60 points over the range, at least 1 s, in whole
// seconds.
int64_t DefaultStepMs(int64_t start_ms, int64_t end_ms);

// base_url + /api/v1/query_range?... or /api/v1/query?... (times as Unix seconds).
std::string BuildMetricsUrl(std::string_view base_url, const MetricsRequest& request);

}  // namespace hivewatch::cli
