// The API's endpoint handlers (docs/api.md) and the one place that wires them into a Router.
// Handlers are thread-safe: they only read the context and call the thread-safe Storage.
#pragma once

#include <string>
#include <string_view>

#include "collector/collector_config.h"
#include "collector/http/router.h"
#include "collector/storage/storage.h"

namespace hivewatch {

class CollectorMetrics;
class LogNotifier;

struct HandlerContext {
  Storage* storage = nullptr;
  const CollectorConfig* config = nullptr;
  CollectorMetrics* metrics = nullptr;  // optional: push outcomes are counted when set
  // Woken after logs are stored (live tail); may be null, then tails answer without waiting.
  LogNotifier* log_notifier = nullptr;
};

// push_handler.cc
HttpResponse HandlePush(const HttpRequest& request, const HandlerContext& ctx);
// query_handlers.cc
HttpResponse HandleLogs(const HttpRequest& request, const HandlerContext& ctx);
HttpResponse HandleHosts(const HttpRequest& request, const HandlerContext& ctx);
// metric_handlers.cc: the Prometheus-compatible read API.
HttpResponse HandlePromQuery(const HttpRequest& request, const HandlerContext& ctx);
HttpResponse HandlePromQueryRange(const HttpRequest& request, const HandlerContext& ctx);
HttpResponse HandlePromSeries(const HttpRequest& request, const HandlerContext& ctx);
HttpResponse HandlePromLabels(const HttpRequest& request, const HandlerContext& ctx);
HttpResponse HandlePromLabelValues(const HttpRequest& request, const HandlerContext& ctx);
// Parses GET /api/v1/logs parameters into a LogQuery; throws HttpError(400) naming the parameter.
LogQuery ParseLogQueryParams(const HttpRequest& request);

// prometheus_handlers.cc: GET /metrics (the collector's own metrics; 404 without ctx.metrics)
// and GET /federate (the hosts' newest samples).
HttpResponse HandleMetrics(const HttpRequest& request, const HandlerContext& ctx);
HttpResponse HandleFederate(const HttpRequest& request, const HandlerContext& ctx);
// tail_handler.cc: GET /api/v1/logs/tail (long poll).
HttpResponse HandleLogsTail(const HttpRequest& request, const HandlerContext& ctx);
inline constexpr int kDefaultTailLimit = 1000;
inline constexpr int kDefaultTailWaitSeconds = 25;
inline constexpr int kMaxTailWaitSeconds = 60;

// histogram_handler.cc: GET /api/v1/logs/histogram (log volume per time bucket and level).
HttpResponse HandleLogsHistogram(const HttpRequest& request, const HandlerContext& ctx);
inline constexpr int kDefaultHistogramBuckets = 60;
inline constexpr int kMaxHistogramBuckets = 1000;

// dashboard_handler.cc: GET / and GET /ui/<file>, the embedded dashboard.
HttpResponse HandleDashboard(const HttpRequest& request, const HandlerContext& ctx);
// "text/javascript; charset=utf-8" for "app.js", by extension; application/octet-stream if
// unknown.
std::string ContentTypeForPath(std::string_view path);

// Registers every endpoint with the scope it needs (handlers.cc).
void AddRoutes(Router* router, const HandlerContext* ctx);

}  // namespace hivewatch
