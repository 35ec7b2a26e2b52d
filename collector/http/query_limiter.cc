#include "collector/http/query_limiter.h"

#include <chrono>
#include <nlohmann/json.hpp>

#include "common/deadline.h"

namespace hivewatch {
namespace {

HttpResponse Refuse(int status, const std::string& type, const std::string& message,
                    bool prometheus, HttpError::HeaderList headers) {
  if (!prometheus) throw HttpError(status, message, std::move(headers));
  HttpResponse r = HttpResponse::Json(
      nlohmann::json{{"status", "error"}, {"errorType", type}, {"error", message}}.dump(), status);
  r.headers = std::move(headers);
  return r;
}

}  // namespace

int QueryLimiter::running() const {
  std::lock_guard<std::mutex> lock(mu_);
  return running_;
}

int QueryLimiter::waiting() const {
  std::lock_guard<std::mutex> lock(mu_);
  return waiting_;
}

bool QueryLimiter::Enter() {
  std::unique_lock<std::mutex> lock(mu_);
  if (running_ >= max_concurrent_) {
    if (waiting_ >= max_concurrent_) return false;
    ++waiting_;
    const bool got = freed_.wait_for(lock, std::chrono::milliseconds(max_wait_ms_),
                                     [&] { return running_ < max_concurrent_; });
    --waiting_;
    if (!got) return false;
  }
  ++running_;
  return true;
}

void QueryLimiter::Leave() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    --running_;
  }
  freed_.notify_one();
}

HttpResponse QueryLimiter::Run(const std::function<HttpResponse()>& query, bool prometheus) {
  if (!Enter()) {
    return Refuse(503, "unavailable",
                  "too many queries are running (query.max_concurrent = " +
                      std::to_string(max_concurrent_) + "); retry shortly",
                  prometheus, {{"Retry-After", "1"}});
  }
  struct Slot {
    QueryLimiter* limiter;
    ~Slot() { limiter->Leave(); }
  } slot{this};
  ScopedDeadline deadline(std::chrono::steady_clock::now() +
                          std::chrono::milliseconds(timeout_ms_));
  HttpResponse response;
  try {
    response = query();
  } catch (const HttpError&) {
    if (!DeadlinePassed()) throw;
    return TimedOut(prometheus);
  }
  // A query stopped by its deadline fails in storage (interrupted) or the evaluator: say why.
  if (response.status >= 500 && DeadlinePassed()) return TimedOut(prometheus);
  return response;
}

HttpResponse QueryLimiter::TimedOut(bool prometheus) const {
  return Refuse(503, "timeout",
                "the query took longer than " + std::to_string(timeout_ms_) +
                    " ms (query.timeout): narrow it (a shorter range, fewer series, more "
                    "specific terms)",
                prometheus, {});
}

}  // namespace hivewatch
