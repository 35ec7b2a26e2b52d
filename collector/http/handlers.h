// The API's endpoint handlers (docs/api.md) and the one place that wires them into a Router.
// Handlers are thread-safe: they only read the context and call the thread-safe Storage.
#pragma once

#include "collector/collector_config.h"
#include "collector/http/router.h"
#include "collector/storage/storage.h"

namespace hivewatch {

class CollectorMetrics;

struct HandlerContext {
  Storage* storage = nullptr;
  const CollectorConfig* config = nullptr;
  CollectorMetrics* metrics = nullptr;  // optional: push outcomes are counted when set
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

// Registers every endpoint with the scope it needs (handlers.cc).
void AddRoutes(Router* router, const HandlerContext* ctx);

}  // namespace hivewatch
