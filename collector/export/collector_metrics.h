// CollectorMetrics: the collector's own metrics for GET /metrics (every name is listed in
// docs/api.md): HTTP requests, push outcomes, the storage's write path and size, and the
// process. Counting goes to prometheus-cpp's atomic counters through references cached up
// front, so it costs no lookup by label set on the request path. Rendering builds the text
// exposition with prometheus::TextSerializer. Thread-safe once AddHandlers has been called.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "collector/http/server.h"
#include "collector/storage/storage.h"

namespace hivewatch {

// Why a push was refused: the `reason` label of hivewatch_collector_rejected_batches_total.
enum class PushRejection {
  kUnauthenticated,       // 401: no or unknown token
  kForbidden,             // 403: the token lacks the ingest scope
  kTooLarge,              // 413: body over the limit, compressed or not
  kUnsupportedMediaType,  // 415: Content-Type or Content-Encoding
  kBadGzip,               // 400: the gzip stream is corrupt
  kEmpty,                 // 400: no body
  kInvalid,               // 400: the batch does not decode or validate
  kStorage,               // 5xx: the storage could not store it
};

class CollectorMetrics final : public RequestObserver, public StorageObserver {
 public:
  // The route path of the push endpoint: its 401, 403 and 413 answers (decided by the router
  // and the server, or the handler for an inflated body) count as rejected batches.
  static constexpr const char* kPushHandler = "/api/v1/push";

  CollectorMetrics();
  ~CollectorMetrics() override;

  // Creates the per-handler series for these route names (Router::RouteNames()). Call once,
  // before the server starts: requests for a name not given here count under "other".
  void AddHandlers(const std::vector<std::string>& handlers);

  // RequestObserver: hivewatch_http_requests_total and _request_duration_seconds.
  void OnRequest(const std::string& handler, int status, std::optional<double> seconds) override;
  // StorageObserver: the commit latency histogram and failed commits.
  void OnCommit(const CommitInfo& info) override;

  // Push outcomes, from the push handler.
  void OnBatchStored(size_t log_lines, size_t samples);
  void OnDuplicateBatch();
  // The handler reports every refusal except 401, 403 and 413, which OnRequest counts.
  void OnRejectedBatch(PushRejection reason);

  // The text exposition (format 0.0.4) of everything: counters, the storage's figures
  // (`storage` may be null) and the process's.
  std::string Render(Storage* storage) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace hivewatch
