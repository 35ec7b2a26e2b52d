#include "collector/collector.h"

#include <spdlog/spdlog.h>

#include "collector/auth/bearer_authorizer.h"
#include "collector/auth/token_registry.h"
#include "collector/export/collector_metrics.h"
#include "collector/http/handlers.h"
#include "collector/http/log_notifier.h"
#include "collector/http/server.h"

namespace hivewatch {

struct Collector::Impl {
  CollectorConfig config;
  // Before the storage and the server, which report to it, and destroyed after them.
  std::unique_ptr<CollectorMetrics> metrics;
  std::unique_ptr<Storage> storage;
  std::unique_ptr<TokenRegistry> tokens;
  std::unique_ptr<BearerAuthorizer> authorizer;
  std::unique_ptr<RateLimiter> rate_limiter;  // null: http.rate_limit = 0
  std::unique_ptr<Router> router;
  std::unique_ptr<LogNotifier> log_notifier;
  HandlerContext context;
  std::unique_ptr<HttpServer> server;
};

Collector::Collector(CollectorConfig config) : impl_(std::make_unique<Impl>()) {
  impl_->config = std::move(config);
}

Collector::~Collector() { Stop(); }

Status Collector::Start() {
  Impl& s = *impl_;
  s.metrics = std::make_unique<CollectorMetrics>();
  StorageOptions storage_options = s.config.storage;
  storage_options.observer = s.metrics.get();
  Result<std::unique_ptr<Storage>> storage = OpenStorage(storage_options);
  HW_RETURN_IF_ERROR(storage.status());
  s.storage = std::move(storage).value();

  if (s.config.no_auth) {
    spdlog::warn("AUTHENTICATION IS DISABLED (--no-auth): anyone who can reach {} can push and "
                 "read data. Use this for local experiments only.", s.config.listen);
  } else {
    Result<std::unique_ptr<TokenRegistry>> tokens = OpenTokenRegistry(s.config);
    HW_RETURN_IF_ERROR(tokens.status());
    s.tokens = std::move(tokens).value();
    Result<std::vector<TokenInfo>> list = s.tokens->List();
    bool any_active = false;
    if (list.ok()) {
      for (const auto& t : *list) any_active = any_active || !t.revoked_ms;
    }
    if (!any_active) {
      const std::string where = s.config.storage.backend == "clickhouse"
                                    ? "--config FILE"
                                    : "--data-dir " + s.config.data_dir;
      spdlog::warn("no API tokens exist yet, so every request will be refused (401). Create "
                   "one: hivewatch-collector {} token create --name NAME --scope ingest,read",
                   where);
    }
  }
  s.authorizer = std::make_unique<BearerAuthorizer>(s.tokens.get(), s.config.no_auth);
  s.router = std::make_unique<Router>(s.authorizer.get());
  if (s.config.rate_limit > 0) {
    s.rate_limiter = std::make_unique<RateLimiter>(s.config.rate_limit, s.config.rate_burst);
    s.router->SetRateLimiter(s.rate_limiter.get());
  }
  s.context.storage = s.storage.get();
  s.context.config = &s.config;
  s.context.metrics = s.metrics.get();
  // Live tails wait on a worker thread each: let them hold at most half of the pool.
  s.log_notifier = std::make_unique<LogNotifier>(s.config.http_workers / 2);
  s.context.log_notifier = s.log_notifier.get();
  AddRoutes(s.router.get(), &s.context);
  s.metrics->AddHandlers(s.router->RouteNames());

  ServerOptions options;
  options.listen = s.config.listen;
  options.worker_threads = s.config.http_workers;
  options.read_timeout_ms = s.config.read_timeout_ms;
  options.write_timeout_ms = s.config.write_timeout_ms;
  options.max_header_bytes = s.config.max_header_bytes;
  options.max_header_count = s.config.max_header_count;
  options.max_connections = s.config.max_connections;
  options.tls_cert_file = s.config.tls.cert_file;
  options.tls_key_file = s.config.tls.key_file;
  // The raw body gets the same limit as the decompressed one: a gzip body larger than the
  // data it holds is not worth accepting.
  options.max_body_bytes = s.config.max_body_bytes;
  s.server = std::make_unique<HttpServer>(options, *s.router, s.metrics.get());
  return s.server->Start();
}

std::string Collector::BoundAddress() const {
  return impl_->server ? impl_->server->BoundAddress() : "";
}

void Collector::Stop() {
  Impl& s = *impl_;
  if (s.log_notifier) s.log_notifier->Close();  // waiting tails answer now, not after `wait`
  if (s.server) {
    s.server->Stop();
    s.server.reset();
  }
  s.storage.reset();  // drains the writer and closes the database
  s.tokens.reset();
}

}  // namespace hivewatch
