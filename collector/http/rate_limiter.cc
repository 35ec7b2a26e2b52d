#include "collector/http/rate_limiter.h"

#include <algorithm>
#include <chrono>
#include <cmath>

namespace hivewatch {
namespace {

// Past this many callers, the buckets that have refilled completely are forgotten.
constexpr size_t kPruneAbove = 4096;

}  // namespace

int64_t RateLimiter::SteadyMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

RateLimiter::RateLimiter(double rate, int burst, Clock clock)
    : rate_(rate), burst_(std::max(1, burst)), clock_(std::move(clock)) {}

std::optional<int> RateLimiter::Acquire(size_t key) {
  const int64_t now = clock_();
  std::lock_guard<std::mutex> lock(mu_);
  if (buckets_.size() > kPruneAbove) {
    for (auto it = buckets_.begin(); it != buckets_.end();) {
      const double refilled = it->second.tokens + (now - it->second.updated_ms) * rate_ / 1000;
      it = refilled >= burst_ ? buckets_.erase(it) : std::next(it);
    }
  }
  auto [it, inserted] = buckets_.try_emplace(key, Bucket{burst_, now});
  Bucket& b = it->second;
  b.tokens = std::min(burst_, b.tokens + (now - b.updated_ms) * rate_ / 1000);
  b.updated_ms = now;
  if (b.tokens >= 1) {
    b.tokens -= 1;
    return std::nullopt;
  }
  const double wait_seconds = (1 - b.tokens) / rate_;
  return std::max(1, static_cast<int>(std::ceil(wait_seconds)));
}

}  // namespace hivewatch
