// The collector's HTTP request/response values as handlers see them, independent of Beast,
// and HttpError: the one exception handlers raise for client and server errors. The server
// maps it to a JSON body {"error": "..."} in one place (server.cc).
#pragma once

#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "common/status.h"

namespace hivewatch {

struct HttpRequest {
  std::string method;  // "GET", "POST", ...
  std::string target;  // raw request target, e.g. "/api/v1/logs?q=x"
  std::string path;    // decoded path without the query string
  std::multimap<std::string, std::string> query;    // decoded query parameters
  std::map<std::string, std::string> headers;       // lower-case names
  std::string body;
  std::string remote;  // peer address, for logs

  // The header's value, or "" when absent.
  const std::string& Header(const std::string& lower_name) const;
  // Every value of a query parameter, splitting comma lists ("a,b" → a, b); empty values dropped.
  std::vector<std::string> QueryList(const std::string& name) const;
  // The last value of a query parameter, if given.
  std::optional<std::string> QueryValue(const std::string& name) const;
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;

  static HttpResponse Json(std::string body, int status = 200) {
    HttpResponse r;
    r.status = status;
    r.body = std::move(body);
    return r;
  }
};

class HttpError : public std::runtime_error {
 public:
  using HeaderList = std::vector<std::pair<std::string, std::string>>;
  HttpError(int status, const std::string& message, HeaderList headers = {})
      : std::runtime_error(message), status_(status), headers_(std::move(headers)) {}
  int status() const { return status_; }
  // Extra response headers, e.g. Allow for 405 or WWW-Authenticate for 401.
  const HeaderList& headers() const { return headers_; }

 private:
  int status_;
  HeaderList headers_;
};

// The HTTP status for a non-ok Status (kInvalidArgument → 400, kTooLarge → 413, ...).
int HttpStatusFor(StatusCode code);

// Throws HttpError for a non-ok status; does nothing for ok.
void ThrowIfError(const Status& status);

// JSON error body: {"error": message}.
std::string ErrorBody(const std::string& message);

// Decodes %XX, and '+' as a space when `plus_is_space` (query strings, not paths).
std::string UrlDecode(const std::string& s, bool plus_is_space = true);

}  // namespace hivewatch
