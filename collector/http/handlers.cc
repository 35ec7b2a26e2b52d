// Every endpoint and the scope it needs, in one table-like place; plus the small meta
// endpoints (health, readiness, OpenAPI) and the dashboard's static files.
#include "collector/http/handlers.h"

#include <algorithm>
#include <memory>

#include "collector/http/embedded_files.h"
#include "collector/http/query_limiter.h"

namespace hivewatch {
namespace {

using HandlerFn = HttpResponse (*)(const HttpRequest&, const HandlerContext&);

}  // namespace

void AddRoutes(Router* router, const HandlerContext* ctx) {
  auto bind = [ctx](HandlerFn fn) {
    return [ctx, fn](const HttpRequest& r) { return fn(r, *ctx); };
  };
  const QueryLimits limits = ctx->config != nullptr ? ctx->config->query : QueryLimits{};
  const int workers = ctx->config != nullptr ? ctx->config->http_workers : 16;
  auto limiter = std::make_shared<QueryLimiter>(
      limits.max_concurrent > 0 ? limits.max_concurrent : std::max(1, workers / 4),
      limits.timeout_ms);
  auto query = [ctx, limiter](HandlerFn fn, bool prometheus = false) {
    return [ctx, limiter, fn, prometheus](const HttpRequest& r) {
      return limiter->Run([&] { return fn(r, *ctx); }, prometheus);
    };
  };
  router->Add("POST", "/api/v1/push", Scope::kIngest, bind(HandlePush));
  router->Add("GET", "/api/v1/logs", Scope::kRead, query(HandleLogs));
  // A tail mostly waits (on the log notifier, which bounds how many wait at once).
  router->Add("GET", "/api/v1/logs/tail", Scope::kRead, bind(HandleLogsTail));
  router->Add("GET", "/api/v1/logs/histogram", Scope::kRead, query(HandleLogsHistogram));
  router->Add("GET", "/api/v1/hosts", Scope::kRead, bind(HandleHosts));
  // Prometheus-compatible metric reads (metric_handlers.cc); Prometheus takes GET and POST.
  for (const char* method : {"GET", "POST"}) {
    router->Add(method, "/api/v1/query", Scope::kRead, query(HandlePromQuery, true));
    router->Add(method, "/api/v1/query_range", Scope::kRead, query(HandlePromQueryRange, true));
    router->Add(method, "/api/v1/series", Scope::kRead, query(HandlePromSeries, true));
    router->Add(method, "/api/v1/labels", Scope::kRead, query(HandlePromLabels, true));
  }
  router->Add("GET", "/api/v1/label/*/values", Scope::kRead, query(HandlePromLabelValues, true));
  // Prometheus endpoints. /metrics is open by default, like other exporters' (it holds no
  // pushed data); [http] metrics_scope = "read" makes it need a token.
  const bool metrics_need_read = ctx->config != nullptr && ctx->config->metrics_require_read;
  router->Add("GET", "/metrics", metrics_need_read ? Scope::kRead : Scope::kNoScope,
              bind(HandleMetrics));
  router->Add("GET", "/federate", Scope::kRead, query(HandleFederate));

  router->Add("GET", "/healthz", Scope::kNoScope,
              [](const HttpRequest&) { return HttpResponse::Json(R"({"status":"ok"})"); });
  router->Add("GET", "/readyz", Scope::kNoScope, [ctx](const HttpRequest&) {
    if (!ctx->storage->Ready()) {
      return HttpResponse::Json(R"({"status":"unavailable","error":"storage is not ready"})", 503);
    }
    return HttpResponse::Json(R"({"status":"ready"})");
  });
  router->Add("GET", "/api/v1/openapi.yaml", Scope::kNoScope, [](const HttpRequest&) {
    HttpResponse r;
    r.content_type = "application/yaml";
    if (auto file = FindEmbeddedFile("docs/openapi.yaml")) r.body = std::string(file->content);
    return r;
  });
  // The dashboard's files are public; the API calls it makes need a read token.
  router->Add("GET", "/", Scope::kNoScope, bind(HandleDashboard));
  router->Add("GET", "/ui/*", Scope::kNoScope, bind(HandleDashboard));
}

}  // namespace hivewatch
