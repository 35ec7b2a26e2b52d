// QueryLimiter: runs read queries within query.max_concurrent and query.timeout, so reads can
// never hold every worker thread (pushes always find one) and none runs unbounded. A query
// that finds every slot taken waits for one (up to kMaxWaitMs, and at most max_concurrent
// queries wait at once), so a dashboard's burst of requests is absorbed rather than refused. The
// deadline reaches storage (SQLite's progress handler) and the PromQL evaluator's reads through
// ScopedDeadline (common/deadline.h). Thread-safe.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>

#include "collector/http/http_types.h"

namespace hivewatch {

class QueryLimiter {
 public:
  static constexpr int kMaxWaitMs = 2000;

  QueryLimiter(int max_concurrent, int64_t timeout_ms, int64_t max_wait_ms = kMaxWaitMs)
      : max_concurrent_(max_concurrent), timeout_ms_(timeout_ms), max_wait_ms_(max_wait_ms) {}

  // Runs `query` under the deadline; refuses with 503 and Retry-After: 1 when max_concurrent
  // queries are running and no slot frees within max_wait_ms (or max_concurrent already wait). A
  // query that fails (5xx, or any HttpError) after its deadline passed is answered 503 "took longer
  // than … (query.timeout)". `prometheus`: errors in Prometheus's JSON shape
  // ({"status":"error","errorType":…}) as responses, instead of thrown HttpErrors.
  HttpResponse Run(const std::function<HttpResponse()>& query, bool prometheus);

  int running() const;
  int waiting() const;

 private:
  bool Enter();
  void Leave();
  HttpResponse TimedOut(bool prometheus) const;

  const int max_concurrent_;
  const int64_t timeout_ms_;
  const int64_t max_wait_ms_;
  mutable std::mutex mu_;
  std::condition_variable freed_;
  int running_ = 0;
  int waiting_ = 0;
};

}  // namespace hivewatch
