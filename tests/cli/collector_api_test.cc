#include "cli/collector_api.h"

#include <catch2/catch.hpp>

#include "tests/cli/fake_collector.h"

namespace hivewatch::cli {
namespace {

using testing::FakeCollector;
using testing::Param;

constexpr char kBase[] = "http://hw:9800";

std::vector<int64_t> StreamIds(CollectorApi& api, const LogsRequest& request,
                               LogsSummary* summary) {
  std::vector<int64_t> ids;
  auto result =
      api.StreamLogs(request, [&](const Json& r) { ids.push_back(r["id"].get<int64_t>()); });
  REQUIRE(result.ok());
  *summary = *result;
  return ids;
}

TEST_CASE("a limit above the page size pages through next cursors until the limit", "[cli]") {
  FakeCollector fake;
  fake.total_logs = 30000;
  CollectorApi api(&fake, kBase, "");
  LogsRequest request;
  request.limit = 25000;
  request.levels = {"error"};
  LogsSummary summary;
  std::vector<int64_t> ids = StreamIds(api, request, &summary);

  REQUIRE(fake.calls.size() == 3);
  CHECK(Param(fake.calls[0].url, "limit") == "10000");
  CHECK(Param(fake.calls[0].url, "cursor") == "");
  CHECK(Param(fake.calls[1].url, "limit") == "10000");
  CHECK(Param(fake.calls[1].url, "cursor") == "after-20001");
  CHECK(Param(fake.calls[2].url, "limit") == "5000");
  CHECK(Param(fake.calls[2].url, "cursor") == "after-10001");
  for (const auto& call : fake.calls) CHECK(Param(call.url, "level") == "error");

  REQUIRE(ids.size() == 25000);
  CHECK(ids.front() == 30000);
  CHECK(ids.back() == 5001);
  CHECK(summary.count == 25000);
  CHECK(summary.more);
}

TEST_CASE("paging stops at the end of the results before the limit", "[cli]") {
  FakeCollector fake;
  fake.total_logs = 10150;
  CollectorApi api(&fake, kBase, "");
  LogsRequest request;
  request.limit = 50000;
  LogsSummary summary;
  std::vector<int64_t> ids = StreamIds(api, request, &summary);
  CHECK(fake.calls.size() == 2);
  CHECK(ids.size() == 10150);
  CHECK(ids.back() == 1);
  CHECK_FALSE(summary.more);
}

TEST_CASE("a limit within one page makes one request and reports that more remain", "[cli]") {
  FakeCollector fake;
  fake.total_logs = 500;
  CollectorApi api(&fake, kBase, "");
  LogsRequest request;  // limit 100
  LogsSummary summary;
  std::vector<int64_t> ids = StreamIds(api, request, &summary);
  REQUIRE(fake.calls.size() == 1);
  CHECK(fake.calls[0].url == "http://hw:9800/api/v1/logs?limit=100");
  CHECK(ids.size() == 100);
  CHECK(summary.more);
}

TEST_CASE("records beyond the limit are dropped if the collector sends too many", "[cli]") {
  FakeCollector fake;
  fake.total_logs = 500;
  fake.extra_records = 5;
  CollectorApi api(&fake, kBase, "");
  LogsRequest request;
  request.limit = 10;
  LogsSummary summary;
  CHECK(StreamIds(api, request, &summary).size() == 10);
  CHECK(summary.more);
}

TEST_CASE("an empty page ends paging even if it carries a cursor", "[cli]") {
  FakeCollector fake;
  fake.fixed_response = HttpResponse{200, R"({"logs":[],"next":"again"})", {}};
  CollectorApi api(&fake, kBase, "");
  LogsRequest request;
  request.limit = 1000000;
  LogsSummary summary;
  CHECK(StreamIds(api, request, &summary).empty());
  CHECK(fake.calls.size() == 1);
  CHECK_FALSE(summary.more);
}

TEST_CASE("the token travels as a bearer Authorization header, and only when set", "[cli]") {
  FakeCollector fake;
  CollectorApi with_token(&fake, kBase, "s3cret");
  REQUIRE(with_token.FetchHosts().ok());
  CollectorApi without(&fake, kBase, "");
  REQUIRE(without.FetchHosts().ok());
  REQUIRE(fake.calls.size() == 2);
  CHECK(fake.calls[0].url == "http://hw:9800/api/v1/hosts");
  CHECK(fake.calls[0].headers.at("Authorization") == "Bearer s3cret");
  CHECK(fake.calls[1].headers.count("Authorization") == 0);
}

TEST_CASE("answers that are not the expected JSON are errors naming the collector", "[cli]") {
  FakeCollector fake;
  CollectorApi api(&fake, kBase, "");
  fake.fixed_response = HttpResponse{200, "<html>proxy login</html>", {}};
  auto logs = api.FetchLogsPage(LogsRequest{}, 10, "");
  REQUIRE_FALSE(logs.ok());
  CHECK(logs.status().message() ==
        "unexpected answer from the collector at http://hw:9800 for /api/v1/logs: not a JSON "
        "object");
  fake.fixed_response = HttpResponse{200, R"({"items":[]})", {}};
  auto hosts = api.FetchHosts();
  REQUIRE_FALSE(hosts.ok());
  CHECK_THAT(hosts.status().message(), Catch::Contains("no \"hosts\" array"));
}

TEST_CASE("HTTP errors map to messages that say what to do", "[cli]") {
  auto error = [](long status, std::string body, bool sent_token = false) {
    return DescribeHttpError(HttpResponse{status, std::move(body), {}}, kBase, sent_token);
  };
  Status bad = error(400, R"({"error":"q: unterminated quote at 5"})");
  CHECK(bad.code() == StatusCode::kInvalidArgument);
  CHECK(bad.message() == "the collector rejected the request: q: unterminated quote at 5");

  Status no_token = error(401, R"({"error":"missing token"})");
  CHECK(no_token.code() == StatusCode::kUnauthenticated);
  CHECK(no_token.message() ==
        "the collector at http://hw:9800 needs a token: pass --token or set HIVEWATCH_TOKEN");
  CHECK(error(401, R"({"error":"unknown token"})", true).message() ==
        "the collector at http://hw:9800 did not accept the token (unknown token): check "
        "--token, --token-file or HIVEWATCH_TOKEN");

  Status forbidden = error(403, R"({"error":"token scope 'ingest' cannot query"})", true);
  CHECK(forbidden.code() == StatusCode::kPermissionDenied);
  CHECK(forbidden.message() ==
        "the token is not allowed to do this (token scope 'ingest' cannot query): use a token "
        "whose scope allows queries");

  CHECK(error(404, "").message() ==
        "http://hw:9800 answered 404 Not Found (HTTP 404): is --url pointing at "
        "hivewatch-collector?");
  CHECK(error(503, "upstream\ndown").message() ==
        "the collector at http://hw:9800 failed (HTTP 503: upstream down)");
  CHECK(error(500, R"({"error":"disk I/O error"})").code() == StatusCode::kUnavailable);
  CHECK(error(302, "").message() ==
        "unexpected answer from the collector at http://hw:9800 (HTTP 302)");
}

TEST_CASE("an unreachable collector is named with the cause and a hint", "[cli]") {
  Status status = DescribeTransportError(
      Unavailable("cannot reach http://hw:9800/api/v1/logs: Connection refused"), kBase);
  CHECK(status.code() == StatusCode::kUnavailable);
  CHECK(status.message() ==
        "cannot reach the collector at http://hw:9800: Connection refused (is "
        "hivewatch-collector running? set --url or HIVEWATCH_URL)");

  FakeCollector fake;
  fake.transport_error = Unavailable(
      "cannot reach http://hw:9800/api/v1/hosts: Could not "
      "resolve host: hw");
  CollectorApi api(&fake, kBase, "");
  auto hosts = api.FetchHosts();
  REQUIRE_FALSE(hosts.ok());
  CHECK(hosts.status().message() ==
        "cannot reach the collector at http://hw:9800: Could not resolve host: hw (is "
        "hivewatch-collector running? set --url or HIVEWATCH_URL)");
}

}  // namespace
}  // namespace hivewatch::cli
