// FakeCollector: a loopback HTTP server (tests/support/loopback_http_server.h) that answers
// every push with one canned response, status settable while running, closing each connection.
#pragma once

#include <atomic>
#include <string>
#include <vector>

#include "tests/support/loopback_http_server.h"

namespace hivewatch::testing {

class FakeCollector {
 public:
  // `extra_headers` are raw header lines, each ending in "\r\n" ("Retry-After: 7\r\n").
  FakeCollector(int status, std::string body, std::string extra_headers = "")
      : status_(status),
        body_(std::move(body)),
        headers_(ParseHeaders(extra_headers)),
        server_([this](const ReceivedRequest&) {
          CannedResponse r;
          r.status = status_.load();
          r.headers = headers_;
          r.body = body_;
          r.close = true;
          return r;
        }) {}

  std::string url() const { return server_.Url(""); }
  std::vector<ReceivedRequest> requests() { return server_.Requests(); }
  // Later requests get this status instead.
  void set_status(int status) { status_ = status; }
  bool WaitForRequests(size_t n, std::chrono::steady_clock::time_point deadline) {
    return server_.WaitForRequests(n, deadline);
  }

 private:
  static std::vector<std::pair<std::string, std::string>> ParseHeaders(const std::string& raw) {
    std::vector<std::pair<std::string, std::string>> out = {{"Content-Type", "application/json"}};
    size_t pos = 0;
    while (pos < raw.size()) {
      size_t end = raw.find("\r\n", pos);
      if (end == std::string::npos) end = raw.size();
      std::string line = raw.substr(pos, end - pos);
      size_t colon = line.find(':');
      if (colon != std::string::npos) {
        out.emplace_back(line.substr(0, colon), line.substr(line.find_first_not_of(' ', colon + 1)));
      }
      pos = end + 2;
    }
    return out;
  }

  std::atomic<int> status_;
  const std::string body_;
  const std::vector<std::pair<std::string, std::string>> headers_;
  LoopbackServer server_;  // last: its thread uses the members above
};

}  // namespace hivewatch::testing
