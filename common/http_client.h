// A small blocking HTTP client over libcurl, used by the CLI, the agent, tests and benchmarks.
// One client keeps one connection alive (keep-alive). Not thread-safe: use one per thread.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "common/status.h"

namespace hivewatch {

struct HttpResponse {
  long status = 0;
  std::string body;
  std::map<std::string, std::string> headers;  // lower-case names
};

struct HttpClientOptions {
  long connect_timeout_ms = 5000;
  long timeout_ms = 30000;  // whole request
  // https: a PEM file of the CA certificates to trust; empty = the system's trust store. The
  // server's certificate and host name are always verified.
  std::string ca_file;
};

class HttpClient {
 public:
  explicit HttpClient(HttpClientOptions options = {});
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  using Headers = std::map<std::string, std::string>;

  // Any HTTP status is a successful Result; transport failures (connection refused, timeout,
  // DNS, a TLS certificate that does not verify) are kUnavailable with a message naming the URL
  // and the cause.
  Result<HttpResponse> Get(const std::string& url, const Headers& headers = {});
  Result<HttpResponse> Post(const std::string& url, std::string_view body,
                            const Headers& headers = {});
  Result<HttpResponse> Request(const std::string& method, const std::string& url,
                               std::string_view body, const Headers& headers);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Percent-encodes a query-string component.
std::string UrlEncode(std::string_view s);

}  // namespace hivewatch
