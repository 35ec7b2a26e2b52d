// The collector's query API as the CLI uses it: GET /api/v1/logs (with paging),
// GET /api/v1/hosts and the PromQL queries of `hivewatch metrics`. HTTP goes through the Transport
// seam so tests can feed answers; failures come back as Status with the message the user should
// read. Not thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "cli/format.h"
#include "cli/logs_request.h"
#include "cli/metrics_request.h"
#include "common/http_client.h"
#include "common/status.h"

namespace hivewatch::cli {

// One GET. Implemented over HttpClient, and by fakes in tests.
class Transport {
 public:
  virtual ~Transport() = default;
  virtual Result<HttpResponse> Get(const std::string& url, const HttpClient::Headers& headers) = 0;
  // https: trust the CA certificates in this PEM file instead of the system's (--ca-file).
  virtual void UseCaFile(const std::string& path) {}
};

class HttpTransport final : public Transport {
 public:
  explicit HttpTransport(HttpClientOptions options = {})
      : options_(std::move(options)), client_(std::make_unique<HttpClient>(options_)) {}
  Result<HttpResponse> Get(const std::string& url, const HttpClient::Headers& headers) override {
    return client_->Get(url, headers);
  }
  void UseCaFile(const std::string& path) override {
    options_.ca_file = path;
    client_ = std::make_unique<HttpClient>(options_);
  }

 private:
  HttpClientOptions options_;
  std::unique_ptr<HttpClient> client_;
};

struct LogsPage {
  std::vector<Json> logs;
  std::string next;  // cursor for the following page; empty at the end
};

struct LogsSummary {
  int64_t count = 0;  // records handed to the sink
  bool more = false;  // the limit stopped the listing before the end
};

class CollectorApi {
 public:
  // `base_url` as NormalizeBaseUrl returns it; `token` may be empty (no Authorization header).
  CollectorApi(Transport* transport, std::string base_url, std::string token);

  Result<LogsPage> FetchLogsPage(const LogsRequest& request, int64_t page_limit,
                                 const std::string& cursor);

  // Hands up to request.limit records to `sink`, newest first, requesting pages of at most
  // kMaxPageSize and following `next` cursors until the limit or the end.
  Result<LogsSummary> StreamLogs(const LogsRequest& request,
                                 const std::function<void(const Json&)>& sink);

  // The `hosts` array of GET /api/v1/hosts.
  Result<Json> FetchHosts();

  // The `data` object ({"resultType": …, "result": …}) of GET /api/v1/query_range, or of
  // /api/v1/query when request.at_ms is set.
  Result<Json> FetchMetrics(const MetricsRequest& request);

 private:
  Result<Json> GetJson(const std::string& url);

  Transport* transport_;
  std::string base_url_;
  std::string token_;
};

// The messages for failures, shared by all commands (without the "hivewatch: " prefix).
// A transport failure from HttpClient ("cannot reach <url>: <cause>") ->
//   "cannot reach the collector at <base>: <cause> (is hivewatch-collector running? …)".
Status DescribeTransportError(const Status& status, const std::string& base_url);
// A non-2xx answer -> a Status whose code follows the HTTP status (401 kUnauthenticated, 403
// kPermissionDenied, 400 kInvalidArgument, …) and whose message says what to do.
Status DescribeHttpError(const HttpResponse& response, const std::string& base_url,
                         bool sent_token);

}  // namespace hivewatch::cli
