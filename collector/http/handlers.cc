// Every endpoint and the scope it needs, in one table-like place; plus the small meta
// endpoints (health, readiness, OpenAPI) and the dashboard's static files.
#include "collector/http/handlers.h"

#include "collector/http/embedded_files.h"

namespace hivewatch {

void AddRoutes(Router* router, const HandlerContext* ctx) {
  auto bind = [ctx](HttpResponse (*fn)(const HttpRequest&, const HandlerContext&)) {
    return [ctx, fn](const HttpRequest& r) { return fn(r, *ctx); };
  };
  router->Add("POST", "/api/v1/push", Scope::kIngest, bind(HandlePush));
  router->Add("GET", "/api/v1/logs", Scope::kRead, bind(HandleLogs));
  router->Add("GET", "/api/v1/logs/tail", Scope::kRead, bind(HandleLogsTail));
  router->Add("GET", "/api/v1/logs/histogram", Scope::kRead, bind(HandleLogsHistogram));
  router->Add("GET", "/api/v1/hosts", Scope::kRead, bind(HandleHosts));
  // Prometheus-compatible metric reads (metric_handlers.cc); Prometheus takes GET and POST.
  for (const char* method : {"GET", "POST"}) {
    router->Add(method, "/api/v1/query", Scope::kRead, bind(HandlePromQuery));
    router->Add(method, "/api/v1/query_range", Scope::kRead, bind(HandlePromQueryRange));
    router->Add(method, "/api/v1/series", Scope::kRead, bind(HandlePromSeries));
    router->Add(method, "/api/v1/labels", Scope::kRead, bind(HandlePromLabels));
  }
  router->Add("GET", "/api/v1/label/*/values", Scope::kRead, bind(HandlePromLabelValues));
  // Prometheus endpoints. /metrics is open by default, like other exporters' (it holds no
  // pushed data); [http] metrics_scope = "read" makes it need a token.
  const bool metrics_need_read = ctx->config != nullptr && ctx->config->metrics_require_read;
  router->Add("GET", "/metrics", metrics_need_read ? Scope::kRead : Scope::kNoScope,
              bind(HandleMetrics));
  router->Add("GET", "/federate", Scope::kRead, bind(HandleFederate));

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
