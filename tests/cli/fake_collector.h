// A Transport that answers like the collector's query API from memory and records each call,
// for tests of hivewatch::cli without a server.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "cli/collector_api.h"
#include "cli/format.h"

namespace hivewatch::cli::testing {

inline std::string PercentDecode(const std::string& s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size()) {
      out += static_cast<char>(std::stoi(s.substr(i + 1, 2), nullptr, 16));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

// The query parameters of `url`, decoded, in order (keys may repeat).
inline std::multimap<std::string, std::string> QueryParams(const std::string& url) {
  std::multimap<std::string, std::string> params;
  size_t q = url.find('?');
  if (q == std::string::npos) return params;
  std::string query = url.substr(q + 1);
  size_t pos = 0;
  while (pos <= query.size()) {
    size_t amp = query.find('&', pos);
    if (amp == std::string::npos) amp = query.size();
    std::string pair = query.substr(pos, amp - pos);
    size_t eq = pair.find('=');
    params.emplace(pair.substr(0, eq),
                   eq == std::string::npos ? "" : PercentDecode(pair.substr(eq + 1)));
    pos = amp + 1;
  }
  return params;
}

inline std::string Param(const std::string& url, const std::string& key) {
  auto params = QueryParams(url);
  auto it = params.find(key);
  return it == params.end() ? "" : it->second;
}

class FakeCollector : public Transport {
 public:
  struct Call {
    std::string url;
    HttpClient::Headers headers;
  };

  // Logs are numbered total_logs (newest) down to 1; the cursor after id N is "after-N".
  int64_t total_logs = 0;
  // Sends up to this many records per page whatever the limit says (0 = obey the limit).
  int64_t extra_records = 0;
  std::string hosts_body = R"({"hosts":[]})";
  // When set, every request gets this answer (or this transport failure).
  std::optional<HttpResponse> fixed_response;
  std::optional<Status> transport_error;

  std::vector<Call> calls;

  static Json Record(int64_t id) {
    return Json{{"id", id},
                {"ts", 1763900000000 + id},
                {"time", "ignored"},
                {"host", "web1"},
                {"service", "app"},
                {"level", "info"},
                {"message", "line " + std::to_string(id)},
                {"fields", Json::object()}};
  }

  Result<HttpResponse> Get(const std::string& url, const HttpClient::Headers& headers) override {
    calls.push_back({url, headers});
    if (transport_error) return *transport_error;
    if (fixed_response) return *fixed_response;
    HttpResponse response;
    response.status = 200;
    response.headers["content-type"] = "application/json";
    std::string path = url.substr(0, url.find('?'));
    if (path.size() >= 13 && path.compare(path.size() - 13, 13, "/api/v1/hosts") == 0) {
      response.body = hosts_body;
      return response;
    }
    int64_t limit = std::stoll(Param(url, "limit"));
    int64_t newest = total_logs;
    std::string cursor = Param(url, "cursor");
    if (!cursor.empty()) newest = std::stoll(cursor.substr(6)) - 1;
    Json logs = Json::array();
    int64_t id = newest;
    for (; id >= 1 && static_cast<int64_t>(logs.size()) < limit + extra_records; --id) {
      logs.push_back(Record(id));
    }
    Json body{{"logs", logs}, {"next", nullptr}};
    if (id >= 1) body["next"] = "after-" + std::to_string(id + 1);
    response.body = body.dump();
    return response;
  }
};

}  // namespace hivewatch::cli::testing
