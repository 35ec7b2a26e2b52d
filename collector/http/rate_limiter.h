// RateLimiter: a token bucket per caller (a hash of its bearer token): `rate` requests a second
// on average, up to `burst` at once. The router asks it after a request is authenticated, and
// answers 429 with Retry-After when it says no. Thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <unordered_map>

namespace hivewatch {

class RateLimiter {
 public:
  // Milliseconds on a monotonic clock; tests inject their own.
  using Clock = std::function<int64_t()>;

  // `rate` > 0 requests a second, `burst` >= 1.
  RateLimiter(double rate, int burst, Clock clock = SteadyMs);

  // Takes one request from `key`'s bucket: nullopt when allowed, otherwise the whole seconds
  // (at least 1) after which a request would be allowed — the Retry-After value.
  std::optional<int> Acquire(size_t key);

  double rate() const { return rate_; }

  static int64_t SteadyMs();

 private:
  struct Bucket {
    double tokens = 0;
    int64_t updated_ms = 0;
  };

  const double rate_;
  const double burst_;
  const Clock clock_;
  std::mutex mu_;
  std::unordered_map<size_t, Bucket> buckets_;
};

}  // namespace hivewatch
