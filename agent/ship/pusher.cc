#include "agent/ship/pusher.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <stdexcept>

#include "common/http_client.h"

namespace hivewatch {
namespace {

constexpr size_t kMaxBodyInMessage = 512;

std::string BodyForMessage(const std::string& body) {
  std::string out = body.substr(0, kMaxBodyInMessage);
  std::replace(out.begin(), out.end(), '\n', ' ');
  std::replace(out.begin(), out.end(), '\r', ' ');
  if (body.size() > kMaxBodyInMessage) out += "...";
  return out;
}

}  // namespace

Pusher::Pusher(PusherOptions options) : options_(std::move(options)) {
  if (options_.urls.empty()) throw std::invalid_argument("pusher: no collector URL given");
  for (std::string url : options_.urls) {
    while (!url.empty() && url.back() == '/') url.pop_back();
    push_urls_.push_back(url + "/api/v1/push");
  }
  HttpClientOptions client_options;
  client_options.timeout_ms = options_.timeout_ms;
  client_options.connect_timeout_ms = std::min(options_.timeout_ms, 5000L);
  client_options.ca_file = options_.ca_file;
  client_ = std::make_unique<HttpClient>(client_options);
}

Pusher::~Pusher() = default;

PushOutcome Pusher::Push(const std::string& gzipped_json) {
  HttpClient::Headers headers{{"Content-Type", "application/json"}, {"Content-Encoding", "gzip"}};
  if (!options_.token.empty()) headers["Authorization"] = "Bearer " + options_.token;

  PushOutcome outcome;
  std::string failures;  // of the URLs tried so far, for the final retry message
  for (const std::string& url : push_urls_) {
    outcome.url = url;
    auto response = client_->Post(url, gzipped_json, headers);
    if (!response.ok()) {
      outcome.decision = ClassifyTransportFailure();
      outcome.http_status = 0;
      outcome.status = Unavailable(response.status().message());
      outcome.message = response.status().message();
    } else {
      const HttpResponse& r = *response;
      outcome.http_status = r.status;
      outcome.decision = ClassifyHttpStatus(r.status);
      if (auto it = r.headers.find("retry-after"); it != r.headers.end()) {
        if (auto seconds = ParseRetryAfter(it->second)) {
          outcome.retry_after = std::max(outcome.retry_after.value_or(*seconds), *seconds);
        }
      }
      std::string what = "POST " + url + " -> " + std::to_string(r.status);
      switch (outcome.decision) {
        case PushDecision::kOk:
          outcome.status = Status::Ok();
          outcome.duplicate = r.body.find("\"duplicate\":true") != std::string::npos ||
                              r.body.find("\"duplicate\": true") != std::string::npos;
          outcome.message = what;
          return outcome;
        case PushDecision::kDrop:
          // The collector refused the batch itself; another collector would too.
          outcome.status = InvalidArgument(what + ": " + BodyForMessage(r.body));
          outcome.message = outcome.status.message();
          spdlog::error("pusher: batch rejected, dropping it: {}", outcome.message);
          return outcome;
        case PushDecision::kRetry:
          outcome.status = Unavailable(what + ": " + BodyForMessage(r.body));
          outcome.message = outcome.status.message();
          break;
      }
    }
    spdlog::debug("pusher: {}", outcome.message);
    failures += (failures.empty() ? "" : "; ") + outcome.message;
  }
  outcome.status = Unavailable(failures);
  outcome.message = failures;
  return outcome;
}

}  // namespace hivewatch
