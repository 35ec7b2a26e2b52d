// GET /api/v1/logs/histogram: how many records match a log search in each time bucket, by
// level, for the volume chart above the dashboard's log results. Dense arrays (one count per
// bucket) keep the answer small and trivial to draw.
#include <map>
#include <nlohmann/json.hpp>

#include "collector/http/handlers.h"
#include "collector/http/log_params.h"
#include "common/time_util.h"

namespace hivewatch {
namespace {

constexpr int64_t kDefaultWindowMs = 3600 * 1000;

int64_t TimeParam(const HttpRequest& request, const std::string& name, int64_t fallback) {
  std::optional<std::string> v = request.QueryValue(name);
  if (!v || v->empty()) return fallback;
  Result<int64_t> ms = ParseTimestampMs(*v);
  if (!ms.ok()) throw HttpError(400, name + ": " + ms.status().message());
  return *ms;
}

}  // namespace

HttpResponse HandleLogsHistogram(const HttpRequest& request, const HandlerContext& ctx) {
  RejectUnknownParams(request, {"q", "host", "service", "level", "start", "end", "buckets"});
  LogQuery filter;
  ParseLogFilterParams(request, &filter);
  filter.end_ms = TimeParam(request, "end", NowMs());
  filter.start_ms = TimeParam(request, "start", filter.end_ms - kDefaultWindowMs);
  if (filter.start_ms >= filter.end_ms) throw HttpError(400, "start must be before end");
  const int64_t wanted =
      ParseIntParam(request, "buckets", 1, kMaxHistogramBuckets, kDefaultHistogramBuckets);
  const int64_t span = filter.end_ms - filter.start_ms;
  const int64_t step = span / wanted + (span % wanted != 0 ? 1 : 0);
  const int64_t buckets = span / step + (span % step != 0 ? 1 : 0);

  Result<std::vector<LogCount>> counts = ctx.storage->CountLogs(filter, step);
  ThrowIfError(counts.status());
  std::map<Level, std::vector<int64_t>> by_level;
  int64_t total = 0;
  for (const LogCount& c : *counts) {
    if (c.bucket < 0 || c.bucket >= buckets) continue;
    auto& series = by_level[c.level];
    if (series.empty()) series.assign(static_cast<size_t>(buckets), 0);
    series[static_cast<size_t>(c.bucket)] += c.count;
    total += c.count;
  }
  nlohmann::json levels = nlohmann::json::object();
  for (const auto& [level, series] : by_level) levels[LevelName(level)] = series;
  return HttpResponse::Json(DumpJson({{"start", filter.start_ms},
                                      {"end", filter.end_ms},
                                      {"step_ms", step},
                                      {"buckets", buckets},
                                      {"total", total},
                                      {"levels", std::move(levels)}}));
}

}  // namespace hivewatch
