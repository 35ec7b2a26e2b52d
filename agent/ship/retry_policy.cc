#include "agent/ship/retry_policy.h"

#include <algorithm>
#include <cctype>
#include <memory>
#include <random>

namespace hivewatch {

const char* PushDecisionName(PushDecision decision) {
  switch (decision) {
    case PushDecision::kOk:
      return "ok";
    case PushDecision::kRetry:
      return "retry";
    case PushDecision::kDrop:
      return "drop";
  }
  return "?";
}

PushDecision ClassifyHttpStatus(long http_status) {
  if (http_status >= 200 && http_status < 300) return PushDecision::kOk;
  if (http_status == 408 || http_status == 429 || (http_status >= 500 && http_status < 600)) {
    return PushDecision::kRetry;
  }
  return PushDecision::kDrop;
}

std::optional<std::chrono::seconds> ParseRetryAfter(std::string_view value) {
  while (!value.empty() && std::isspace(static_cast<unsigned char>(value.front()))) {
    value.remove_prefix(1);
  }
  while (!value.empty() && std::isspace(static_cast<unsigned char>(value.back()))) {
    value.remove_suffix(1);
  }
  if (value.empty() || value.size() > 9) return std::nullopt;  // > ~31 years: nonsense
  long long seconds = 0;
  for (char c : value) {
    if (c < '0' || c > '9') return std::nullopt;
    seconds = seconds * 10 + (c - '0');
  }
  return std::chrono::seconds(seconds);
}

Backoff::Backoff(BackoffOptions options, std::function<double()> random01)
    : options_(options), random01_(std::move(random01)) {
  if (options_.max < options_.min) options_.max = options_.min;
  if (!random01_) {
    auto engine = std::make_shared<std::mt19937_64>(std::random_device{}());
    random01_ = [engine] { return std::uniform_real_distribution<double>(0.0, 1.0)(*engine); };
  }
}

std::chrono::milliseconds Backoff::Next(std::optional<std::chrono::seconds> retry_after) {
  using std::chrono::milliseconds;
  const int attempt = attempts_;
  if (attempts_ < 62) ++attempts_;
  if (retry_after) {
    auto wanted = std::chrono::duration_cast<milliseconds>(*retry_after);
    return std::clamp(wanted, options_.min, options_.max);
  }
  // initial * 2^attempt without overflow: stop doubling once past max.
  milliseconds ceiling = std::max(options_.initial, options_.min);
  for (int i = 0; i < attempt && ceiling < options_.max; ++i) ceiling *= 2;
  ceiling = std::min(ceiling, options_.max);
  double r = std::clamp(random01_(), 0.0, 1.0);
  auto span = static_cast<double>((ceiling - options_.min).count());
  return options_.min + milliseconds(static_cast<long long>(r * span));
}

}  // namespace hivewatch
