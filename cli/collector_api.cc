#include "cli/collector_api.h"

#include <algorithm>
#include <utility>

namespace hivewatch::cli {
namespace {

// What the collector said: the `error` of a JSON error body, else a short piece of the body.
std::string CollectorMessage(const HttpResponse& response) {
  Json body = Json::parse(response.body, nullptr, /*allow_exceptions=*/false);
  if (body.is_object()) {
    auto error = body.find("error");
    if (error != body.end() && error->is_string()) return error->get<std::string>();
  }
  std::string text = response.body.substr(0, 200);
  for (char& c : text) {
    if (static_cast<unsigned char>(c) < 0x20) c = ' ';
  }
  while (!text.empty() && text.back() == ' ') text.pop_back();
  return text;
}

std::string PathOf(const std::string& url, const std::string& base_url) {
  std::string path = url.substr(std::min(base_url.size(), url.size()));
  return path.substr(0, path.find('?'));
}

}  // namespace

Status DescribeTransportError(const Status& status, const std::string& base_url) {
  // HttpClient says "cannot reach <url>: <cause>"; URLs hold no ": ", so the cause follows the
  // first one.
  std::string cause = status.message();
  constexpr std::string_view kPrefix = "cannot reach ";
  if (cause.compare(0, kPrefix.size(), kPrefix) == 0) {
    size_t sep = cause.find(": ", kPrefix.size());
    if (sep != std::string::npos) cause = cause.substr(sep + 2);
  }
  if (status.code() != StatusCode::kUnavailable) {
    return Status(status.code(), "cannot query the collector at " + base_url + ": " + cause);
  }
  // A TLS failure means the collector answered: the hint is about trust, already in `cause`.
  const bool tls =
      cause.find("SSL") != std::string::npos || cause.find("certificate") != std::string::npos;
  return Unavailable("cannot reach the collector at " + base_url + ": " + cause +
                     (tls ? "" : " (is hivewatch-collector running? set --url or HIVEWATCH_URL)"));
}

Status DescribeHttpError(const HttpResponse& response, const std::string& base_url,
                         bool sent_token) {
  const std::string said = CollectorMessage(response);
  const std::string code = "HTTP " + std::to_string(response.status);
  const std::string detail = said.empty() ? code : said;
  switch (response.status) {
    case 400:
      return InvalidArgument("the collector rejected the request: " + detail);
    case 401:
      if (!sent_token) {
        return Unauthenticated("the collector at " + base_url +
                               " needs a token: pass --token or set HIVEWATCH_TOKEN");
      }
      return Unauthenticated("the collector at " + base_url + " did not accept the token (" +
                             detail + "): check --token, --token-file or HIVEWATCH_TOKEN");
    case 403:
      return PermissionDenied("the token is not allowed to do this (" + detail +
                              "): use a token whose scope allows queries");
    case 422:  // a query that parsed but failed (Prometheus's "execution" errors)
      return InvalidArgument("the query failed: " + detail);
    case 404:
      return NotFound(base_url + " answered 404 Not Found (" + detail +
                      "): is --url pointing at hivewatch-collector?");
    default:
      break;
  }
  if (response.status >= 500) {
    return Unavailable("the collector at " + base_url + " failed (" + code +
                       (said.empty() ? "" : ": " + said) + ")");
  }
  return Internal("unexpected answer from the collector at " + base_url + " (" + code +
                  (said.empty() ? "" : ": " + said) + ")");
}

CollectorApi::CollectorApi(Transport* transport, std::string base_url, std::string token)
    : transport_(transport), base_url_(std::move(base_url)), token_(std::move(token)) {}

Result<Json> CollectorApi::GetJson(const std::string& url) {
  HttpClient::Headers headers = {{"Accept", "application/json"}};
  if (!token_.empty()) headers["Authorization"] = "Bearer " + token_;
  auto response = transport_->Get(url, headers);
  if (!response.ok()) return DescribeTransportError(response.status(), base_url_);
  if (response->status < 200 || response->status > 299) {
    return DescribeHttpError(*response, base_url_, !token_.empty());
  }
  Json body = Json::parse(response->body, nullptr, /*allow_exceptions=*/false);
  if (!body.is_object()) {
    return Internal("unexpected answer from the collector at " + base_url_ + " for " +
                    PathOf(url, base_url_) + ": not a JSON object");
  }
  return body;
}

Result<LogsPage> CollectorApi::FetchLogsPage(const LogsRequest& request, int64_t page_limit,
                                             const std::string& cursor) {
  const std::string url = BuildLogsUrl(base_url_, request, page_limit, cursor);
  auto body = GetJson(url);
  if (!body.ok()) return body.status();
  auto logs = body->find("logs");
  if (logs == body->end() || !logs->is_array()) {
    return Internal("unexpected answer from the collector at " + base_url_ +
                    " for /api/v1/logs: no \"logs\" array");
  }
  LogsPage page;
  page.logs.reserve(logs->size());
  for (auto& record : *logs) page.logs.push_back(std::move(record));
  auto next = body->find("next");
  if (next != body->end() && next->is_string()) page.next = next->get<std::string>();
  return page;
}

Result<LogsSummary> CollectorApi::StreamLogs(const LogsRequest& request,
                                             const std::function<void(const Json&)>& sink) {
  LogsSummary summary;
  std::string cursor;
  while (summary.count < request.limit) {
    int64_t page_limit = std::min(request.limit - summary.count, kMaxPageSize);
    auto page = FetchLogsPage(request, page_limit, cursor);
    if (!page.ok()) return page.status();
    for (const Json& record : page->logs) {
      if (summary.count == request.limit) {
        summary.more = true;  // the collector sent more than asked for
        return summary;
      }
      sink(record);
      ++summary.count;
    }
    // An empty page ends the listing even with a cursor, so a confused server cannot loop us.
    if (page->next.empty() || page->logs.empty()) return summary;
    if (summary.count == request.limit) {
      summary.more = true;
      return summary;
    }
    cursor = page->next;
  }
  return summary;
}

Result<Json> CollectorApi::FetchHosts() {
  auto body = GetJson(BuildHostsUrl(base_url_));
  if (!body.ok()) return body.status();
  auto hosts = body->find("hosts");
  if (hosts == body->end() || !hosts->is_array()) {
    return Internal("unexpected answer from the collector at " + base_url_ +
                    " for /api/v1/hosts: no \"hosts\" array");
  }
  return std::move(*hosts);
}

Result<Json> CollectorApi::FetchMetrics(const MetricsRequest& request) {
  auto body = GetJson(BuildMetricsUrl(base_url_, request));
  if (!body.ok()) return body.status();
  auto data = body->find("data");
  if (data == body->end() || !data->is_object() || !data->contains("resultType") ||
      !data->contains("result")) {
    return Internal("unexpected answer from the collector at " + base_url_ +
                    ": no \"data\" with a resultType and a result");
  }
  return std::move(*data);
}

}  // namespace hivewatch::cli
