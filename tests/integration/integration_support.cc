#include "tests/integration/integration_support.h"

#include <catch2/catch.hpp>

#include "common/batch_codec.h"
#include "tests/support/collector_process.h"

namespace hivewatch::testing {
namespace {

std::vector<std::string> Words(const std::string& s) {
  std::vector<std::string> words;
  std::string cur;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c >= 0x80) {
      cur += static_cast<char>(std::tolower(c));
    } else if (!cur.empty()) {
      words.push_back(cur);
      cur.clear();
    }
  }
  if (!cur.empty()) words.push_back(cur);
  return words;
}

Level LevelOf(const std::string& line) {
  if (line.find(" FATAL ") != std::string::npos) return Level::kCritical;
  if (line.find(" ERROR ") != std::string::npos) return Level::kError;
  if (line.find(" WARN ") != std::string::npos) return Level::kWarning;
  return Level::kInfo;
}

}  // namespace

std::vector<SampleLine> LoadSamples() {
  struct File { const char* name; const char* host; const char* service; };
  const File files[] = {{"Linux_2k.log", "web1", "linux"},
                        {"OpenSSH_2k.log", "web1", "openssh"},
                        {"HDFS_2k.log", "data1", "hdfs"},
                        {"Hadoop_2k.log", "data1", "hadoop"}};
  std::vector<SampleLine> out;
  for (const File& f : files) {
    std::vector<std::string> lines = ReadLines(SharedLogsDir() + "/" + f.name);
    REQUIRE(lines.size() == 2000);
    for (size_t i = 0; i < lines.size(); ++i) {
      out.push_back({f.host, f.service, LevelOf(lines[i]),
                     kSampleBaseMs + static_cast<int64_t>(i) * 1000, lines[i]});
    }
  }
  return out;
}

HttpResponse PostPush(HttpClient& client, const std::string& url, const std::string& token,
                      const std::string& body, const HttpClient::Headers& extra) {
  HttpClient::Headers headers = {{"Content-Type", "application/json"}};
  if (!token.empty()) headers["Authorization"] = "Bearer " + token;
  for (const auto& [k, v] : extra) headers[k] = v;
  Result<HttpResponse> r = client.Post(url + "/api/v1/push", body, headers);
  INFO(r.status().message());
  REQUIRE(r.ok());
  return *r;
}

int PushLines(HttpClient& client, const std::string& url, const std::string& token,
              const std::vector<SampleLine>& lines, size_t batch_size, const std::string& prefix) {
  int batches = 0;
  for (size_t start = 0; start < lines.size();) {
    // A batch carries one host: split where the host changes.
    Batch b;
    b.agent = {lines[start].host, "agent-" + lines[start].host, "test"};
    b.batch_id = prefix + "-" + std::to_string(batches);
    size_t i = start;
    for (; i < lines.size() && i - start < batch_size && lines[i].host == lines[start].host; ++i) {
      LogRecord rec;
      rec.ts_ms = lines[i].ts_ms;
      rec.service = lines[i].service;
      rec.level = lines[i].level;
      rec.message = lines[i].message;
      b.logs.push_back(std::move(rec));
    }
    HttpResponse resp = PostPush(client, url, token, EncodeBatch(b));
    INFO(resp.body);
    REQUIRE(resp.status == 200);
    ++batches;
    start = i;
  }
  return batches;
}

std::vector<nlohmann::json> QueryAllLogs(HttpClient& client, const std::string& url,
                                         const std::string& token, const std::string& params) {
  std::vector<nlohmann::json> out;
  std::string cursor;
  for (int page = 0; page < 1000; ++page) {
    std::string target = url + "/api/v1/logs?limit=1000&" + params;
    if (!cursor.empty()) target += "&cursor=" + UrlEncode(cursor);
    Result<HttpResponse> r = client.Get(target, {{"Authorization", "Bearer " + token}});
    REQUIRE(r.ok());
    INFO(target << " -> " << r->body);
    REQUIRE(r->status == 200);
    nlohmann::json j = nlohmann::json::parse(r->body);
    for (auto& rec : j["logs"]) out.push_back(rec);
    if (j["next"].is_null()) break;
    cursor = j["next"].get<std::string>();
  }
  return out;
}

bool ContainsWords(const std::string& message, const std::string& phrase) {
  std::vector<std::string> hay = Words(message), needle = Words(phrase);
  if (needle.empty() || needle.size() > hay.size()) return false;
  for (size_t i = 0; i + needle.size() <= hay.size(); ++i) {
    if (std::equal(needle.begin(), needle.end(), hay.begin() + static_cast<long>(i))) return true;
  }
  return false;
}

nlohmann::json HostEntry(const std::string& url, const std::string& token,
                         const std::string& host) {
  HttpClient client;
  Result<HttpResponse> r =
      client.Get(url + "/api/v1/hosts", {{"Authorization", "Bearer " + token}});
  if (!r.ok() || r->status != 200) return nullptr;
  const nlohmann::json body =
      nlohmann::json::parse(r->body);  // kept alive: the loop refers into it
  for (const nlohmann::json& h : body["hosts"]) {
    if (h["host"] == host) return h;
  }
  return nullptr;
}

int64_t Batches(const std::string& url, const std::string& token, const std::string& host) {
  nlohmann::json h = HostEntry(url, token, host);
  return h.is_null() ? 0 : h["batches"].get<int64_t>();
}

}  // namespace hivewatch::testing
