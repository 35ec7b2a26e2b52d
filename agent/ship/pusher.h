// Pusher: sends one gzipped JSON batch to the collector's push API (POST <url>/api/v1/push),
// failing over through the configured URLs on retryable errors. It never sleeps: the caller
// waits per the retry policy and tries again. Not thread-safe (it owns one keep-alive
// HttpClient): use one per shipper thread.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "agent/ship/retry_policy.h"
#include "common/status.h"

namespace hivewatch {

class HttpClient;

struct PusherOptions {
  std::vector<std::string> urls;  // collector base URLs, e.g. "http://10.0.0.5:7070", in order
  std::string token;              // bearer token; empty sends no Authorization header
  long timeout_ms = 30000;        // per request (the connect timeout is min(this, 5 s))
  std::string ca_file;            // https: CA certificates (PEM) to trust; empty = system's
};

struct PushOutcome {
  PushDecision decision = PushDecision::kRetry;
  Status status;         // ok for kOk; otherwise why (kUnavailable for kRetry)
  long http_status = 0;  // of the last attempt; 0 when no HTTP answer came
  std::string message;   // one line for logs, naming the URL and the collector's body
  std::optional<std::chrono::seconds> retry_after;  // the largest Retry-After seen, if any
  std::string url;                                  // the push URL of the last attempt
  bool duplicate = false;  // the collector had this batch already ("duplicate": true)
};

class Pusher {
 public:
  // Throws std::invalid_argument when no URL is given (a setup error).
  explicit Pusher(PusherOptions options);
  ~Pusher();
  Pusher(const Pusher&) = delete;
  Pusher& operator=(const Pusher&) = delete;

  // Tries each URL in order until one gives kOk or kDrop; kRetry only when all of them did.
  PushOutcome Push(const std::string& gzipped_json);

 private:
  PusherOptions options_;
  std::vector<std::string> push_urls_;
  std::unique_ptr<HttpClient> client_;
};

}  // namespace hivewatch
