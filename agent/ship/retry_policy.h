// How the shipper reacts to a push outcome: which outcomes are retried, and how long to wait
// before the next attempt (exponential backoff with full jitter, honouring Retry-After).
// Backoff is not thread-safe: one per shipper loop.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string_view>

namespace hivewatch {

// Three-valued, like Fluent Bit's out_http: a dropped batch is acknowledged and counted, never
// retried.
enum class PushDecision { kOk, kRetry, kDrop };

const char* PushDecisionName(PushDecision decision);

// 2xx -> kOk; 408, 429 and 5xx -> kRetry; other statuses (4xx, and anything unexpected such as
// 1xx/3xx, which a well-configured collector URL never answers) -> kDrop.
// A transport failure (no HTTP status at all) is always kRetry: use ClassifyTransportFailure.
PushDecision ClassifyHttpStatus(long http_status);
inline PushDecision ClassifyTransportFailure() { return PushDecision::kRetry; }

// Parses a Retry-After value in delta-seconds ("120"). The HTTP-date form and garbage give
// nullopt (the caller then uses its own backoff).
std::optional<std::chrono::seconds> ParseRetryAfter(std::string_view value);

struct BackoffOptions {
  std::chrono::milliseconds initial{1000};  // ceiling of the first delay
  std::chrono::milliseconds max{60000};     // ceiling of any delay, Retry-After included
  std::chrono::milliseconds min{100};       // floor, so full jitter never spins at ~0
};

class Backoff {
 public:
  // `random01` returns values in [0, 1); the default is a seeded std::mt19937_64.
  // Tests inject a fixed sequence.
  explicit Backoff(BackoffOptions options = {}, std::function<double()> random01 = nullptr);

  // The delay before the next attempt. Without Retry-After: uniform in
  // [min, min(max, initial * 2^attempts)] (full jitter). With Retry-After: that value clamped
  // to [min, max]. Either way the attempt count grows.
  std::chrono::milliseconds Next(std::optional<std::chrono::seconds> retry_after = std::nullopt);

  // After a success: the next delay starts again from `initial`.
  void Reset() { attempts_ = 0; }
  int attempts() const { return attempts_; }

 private:
  BackoffOptions options_;
  std::function<double()> random01_;
  int attempts_ = 0;
};

}  // namespace hivewatch
