#include "cli/metrics_request.h"

#include <algorithm>
#include <cstdio>

#include "common/http_client.h"

namespace hivewatch::cli {
namespace {

std::string Seconds(int64_t ms) {
  char buf[32];
  const long long whole = ms / 1000;
  const long long frac = ms % 1000;
  if (frac == 0) {
    std::snprintf(buf, sizeof buf, "%lld", whole);
  } else {
    std::snprintf(buf, sizeof buf, "%lld.%03lld", whole, frac < 0 ? -frac : frac);
  }
  return buf;
}

}  // namespace

int64_t DefaultStepMs(int64_t start_ms, int64_t end_ms) {
  const int64_t step = (end_ms - start_ms) / 60;
  return std::max<int64_t>(1000, step / 1000 * 1000);
}

std::string BuildMetricsUrl(std::string_view base_url, const MetricsRequest& request) {
  std::string url(base_url);
  if (request.at_ms) {
    url += "/api/v1/query?query=" + UrlEncode(request.query) + "&time=" + Seconds(*request.at_ms);
  } else {
    url += "/api/v1/query_range?query=" + UrlEncode(request.query) +
           "&start=" + Seconds(request.start_ms) + "&end=" + Seconds(request.end_ms) +
           "&step=" + Seconds(request.step_ms);
  }
  return url;
}

}  // namespace hivewatch::cli
