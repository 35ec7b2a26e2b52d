// Every endpoint and the scope it needs, in one table-like place; plus the small meta
// endpoints (health, readiness, OpenAPI) and the dashboard's static files.
#include "collector/http/handlers.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <memory>
#include <nlohmann/json.hpp>

#include "collector/http/embedded_files.h"
#include "common/deadline.h"

namespace hivewatch {
namespace {

using HandlerFn = HttpResponse (*)(const HttpRequest&, const HandlerContext&);

// Runs queries within query.max_concurrent and query.timeout, so that reads can never hold
// every worker thread (pushes always find one) and none runs unbounded. The deadline reaches
// storage and the PromQL evaluator through ScopedDeadline (common/deadline.h).
class QueryLimiter {
 public:
  QueryLimiter(int max_concurrent, int64_t timeout_ms)
      : max_concurrent_(max_concurrent), timeout_ms_(timeout_ms) {}

  // `prometheus`: errors in Prometheus's JSON shape (metric_handlers.cc) instead of HttpError.
  HttpResponse Run(const HttpRequest& request, const HandlerContext& ctx, HandlerFn fn,
                   bool prometheus) {
    if (running_.fetch_add(1) >= max_concurrent_) {
      running_.fetch_sub(1);
      return Refuse(503, "unavailable",
                    "too many queries are running (query.max_concurrent = " +
                        std::to_string(max_concurrent_) + "); retry shortly",
                    prometheus, {{"Retry-After", "1"}});
    }
    struct Leave {
      std::atomic<int>& running;
      ~Leave() { running.fetch_sub(1); }
    } leave{running_};
    ScopedDeadline deadline(std::chrono::steady_clock::now() +
                            std::chrono::milliseconds(timeout_ms_));
    HttpResponse response;
    try {
      response = fn(request, ctx);
    } catch (const HttpError&) {
      if (!DeadlinePassed()) throw;
      return TimedOut(prometheus);
    }
    // A query stopped by its deadline fails in storage (interrupted) or the evaluator: say why.
    if (response.status >= 500 && DeadlinePassed()) return TimedOut(prometheus);
    return response;
  }

 private:
  HttpResponse TimedOut(bool prometheus) const {
    return Refuse(503, "timeout",
                  "the query took longer than " + std::to_string(timeout_ms_) +
                      " ms (query.timeout): narrow it (a shorter range, fewer series, more "
                      "specific terms)",
                  prometheus, {});
  }

  static HttpResponse Refuse(int status, const std::string& type, const std::string& message,
                             bool prometheus, HttpError::HeaderList headers) {
    if (!prometheus) throw HttpError(status, message, std::move(headers));
    HttpResponse r = HttpResponse::Json(
        nlohmann::json{{"status", "error"}, {"errorType", type}, {"error", message}}.dump(),
        status);
    r.headers = std::move(headers);
    return r;
  }

  const int max_concurrent_;
  const int64_t timeout_ms_;
  std::atomic<int> running_{0};
};

}  // namespace

void AddRoutes(Router* router, const HandlerContext* ctx) {
  auto bind = [ctx](HandlerFn fn) {
    return [ctx, fn](const HttpRequest& r) { return fn(r, *ctx); };
  };
  const QueryLimits limits = ctx->config != nullptr ? ctx->config->query : QueryLimits{};
  const int workers = ctx->config != nullptr ? ctx->config->http_workers : 16;
  auto limiter = std::make_shared<QueryLimiter>(
      limits.max_concurrent > 0 ? limits.max_concurrent : std::max(1, workers / 2),
      limits.timeout_ms);
  auto query = [ctx, limiter](HandlerFn fn, bool prometheus = false) {
    return [ctx, limiter, fn, prometheus](const HttpRequest& r) {
      return limiter->Run(r, *ctx, fn, prometheus);
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
