// A ClickHouse server's HTTP interface (https://clickhouse.com/docs/en/interfaces/http), as the
// ClickHouse backend uses it: statements sent as POST bodies, rows travelling in RowBinary both
// ways (exact floats, no escaping), errors with their HTTP status (wait_end_of_query=1, so an
// error in the middle of a result is not hidden behind a 200). Written for ClickHouse 18.16
// (Debian 12's), which has no query parameters: literals are quoted by Quote().
// Thread-safe: a small pool of keep-alive connections is shared by the callers.
#pragma once

#include <cstdint>
#include <cstring>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace hivewatch {
class HttpClient;
}

namespace hivewatch::clickhouse {

struct ClientOptions {
  std::string url;       // http://host:8123
  std::string database;  // sent with every statement unless a call says otherwise
  std::string user;
  std::string password;
  long timeout_ms = 30000;
  std::vector<std::pair<std::string, std::string>> settings;  // sent as URL parameters
};

class Client {
 public:
  explicit Client(ClientOptions options);
  ~Client();

  // Runs one statement and returns the response body (the rows of a `FORMAT RowBinary` query).
  // A refused connection or timeout is kUnavailable; an error answer from the server is
  // kUnavailable too (the write path retries), with the server's message.
  Result<std::string> Query(const std::string& sql, bool in_database = true);

  // INSERT INTO `target` (a table and optionally its column list) FORMAT RowBinary.
  Status Insert(const std::string& target, std::string_view rows);

  const ClientOptions& options() const { return options_; }

 private:
  std::unique_ptr<HttpClient> Acquire();
  void Release(std::unique_ptr<HttpClient> client);
  Result<std::string> Post(const std::string& query_param, std::string_view body, bool in_database);

  const ClientOptions options_;
  std::mutex mu_;
  std::vector<std::unique_ptr<HttpClient>> idle_;
};

// A string literal for ClickHouse SQL: 'text' with \ and ' escaped (and NUL as \0).
std::string Quote(std::string_view text);
// An identifier: `name` with backquotes escaped.
std::string QuoteName(std::string_view name);

// Builds rows in RowBinary: fixed-width integers and floats little-endian, strings as a LEB128
// length and their bytes.
class RowWriter {
 public:
  void Int64(int64_t v) { Fixed(&v, sizeof v); }
  void UInt64(uint64_t v) { Fixed(&v, sizeof v); }
  void UInt8(uint8_t v) { out_.push_back(static_cast<char>(v)); }
  void Float64(double v) { Fixed(&v, sizeof v); }
  void String(std::string_view s);
  const std::string& data() const { return out_; }
  void Clear() { out_.clear(); }

 private:
  void Fixed(const void* p, size_t n) { out_.append(static_cast<const char*>(p), n); }
  std::string out_;
};

// Reads RowBinary rows; after a read past the end every value is 0/"" and ok() is false.
class RowReader {
 public:
  explicit RowReader(std::string_view data) : data_(data) {}
  bool AtEnd() const { return pos_ >= data_.size(); }
  bool ok() const { return ok_; }
  int64_t Int64() { return Fixed<int64_t>(); }
  uint64_t UInt64() { return Fixed<uint64_t>(); }
  uint8_t UInt8() { return Fixed<uint8_t>(); }
  double Float64() { return Fixed<double>(); }
  std::string String();

 private:
  template <typename T>
  T Fixed() {
    T v{};
    if (pos_ + sizeof v > data_.size()) {
      ok_ = false;
      pos_ = data_.size();
      return v;
    }
    std::memcpy(&v, data_.data() + pos_, sizeof v);
    pos_ += sizeof v;
    return v;
  }
  std::string_view data_;
  size_t pos_ = 0;
  bool ok_ = true;
};

}  // namespace hivewatch::clickhouse
