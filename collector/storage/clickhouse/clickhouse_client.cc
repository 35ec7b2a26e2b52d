#include "collector/storage/clickhouse/clickhouse_client.h"

#include <utility>

#include "common/http_client.h"

namespace hivewatch::clickhouse {

Client::Client(ClientOptions options) : options_(std::move(options)) {}
Client::~Client() = default;

std::unique_ptr<HttpClient> Client::Acquire() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!idle_.empty()) {
      std::unique_ptr<HttpClient> client = std::move(idle_.back());
      idle_.pop_back();
      return client;
    }
  }
  HttpClientOptions http;
  http.connect_timeout_ms = 5000;
  http.timeout_ms = options_.timeout_ms;
  return std::make_unique<HttpClient>(http);
}

void Client::Release(std::unique_ptr<HttpClient> client) {
  std::lock_guard<std::mutex> lock(mu_);
  if (idle_.size() < 16) idle_.push_back(std::move(client));
}

Result<std::string> Client::Post(const std::string& query_param, std::string_view body,
                                 bool in_database) {
  std::string url = options_.url;
  while (!url.empty() && url.back() == '/') url.pop_back();
  url += "/?wait_end_of_query=1";
  if (in_database && !options_.database.empty()) url += "&database=" + UrlEncode(options_.database);
  for (const auto& [name, value] : options_.settings) {
    url += "&" + UrlEncode(name) + "=" + UrlEncode(value);
  }
  if (!query_param.empty()) url += "&query=" + UrlEncode(query_param);
  HttpClient::Headers headers = {{"X-ClickHouse-User", options_.user},
                                 {"Content-Type", "application/octet-stream"}};
  if (!options_.password.empty()) headers["X-ClickHouse-Key"] = options_.password;

  std::unique_ptr<HttpClient> client = Acquire();
  Result<HttpResponse> response = client->Post(url, body, headers);
  if (!response.ok()) {
    return Unavailable("ClickHouse at " + options_.url + ": " + response.status().message());
  }
  Release(std::move(client));
  if (response->status != 200) {
    std::string message = response->body;
    while (!message.empty() && (message.back() == '\n' || message.back() == '\r')) {
      message.pop_back();
    }
    return Unavailable("ClickHouse at " + options_.url + " answered " +
                       std::to_string(response->status) + ": " + message);
  }
  return std::move(response->body);
}

Result<std::string> Client::Query(const std::string& sql, bool in_database) {
  return Post("", sql, in_database);
}

Status Client::Insert(const std::string& target, std::string_view rows) {
  if (rows.empty()) return Status::Ok();
  Result<std::string> r = Post("INSERT INTO " + target + " FORMAT RowBinary", rows, true);
  return r.status();
}

std::string Quote(std::string_view text) {
  std::string out;
  out.reserve(text.size() + 2);
  out += '\'';
  for (char c : text) {
    switch (c) {
      case '\\':
        out += "\\\\";
        break;
      case '\'':
        out += "\\'";
        break;
      case '\0':
        out += "\\0";
        break;
      default:
        out += c;
    }
  }
  out += '\'';
  return out;
}

std::string QuoteName(std::string_view name) {
  std::string out = "`";
  for (char c : name) {
    if (c == '`' || c == '\\') out += '\\';
    out += c;
  }
  out += '`';
  return out;
}

void RowWriter::String(std::string_view s) {
  uint64_t n = s.size();
  while (n >= 0x80) {
    out_.push_back(static_cast<char>((n & 0x7f) | 0x80));
    n >>= 7;
  }
  out_.push_back(static_cast<char>(n));
  out_.append(s.data(), s.size());
}

std::string RowReader::String() {
  uint64_t n = 0;
  int shift = 0;
  for (;;) {
    if (pos_ >= data_.size() || shift > 63) {
      ok_ = false;
      pos_ = data_.size();
      return {};
    }
    const auto byte = static_cast<unsigned char>(data_[pos_++]);
    n |= static_cast<uint64_t>(byte & 0x7f) << shift;
    if (!(byte & 0x80)) break;
    shift += 7;
  }
  if (n > data_.size() - pos_) {
    ok_ = false;
    pos_ = data_.size();
    return {};
  }
  std::string s(data_.substr(pos_, n));
  pos_ += n;
  return s;
}

}  // namespace hivewatch::clickhouse
