// ParseLogQueryParams: GET /api/v1/logs query parameters → LogQuery (docs/api.md).
#include <catch2/catch.hpp>
#include <initializer_list>
#include <utility>

#include "collector/http/handlers.h"

using namespace hivewatch;

namespace {

// A GET /api/v1/logs request with these (already decoded) parameters, in order.
HttpRequest Logs(std::initializer_list<std::pair<std::string, std::string>> params) {
  HttpRequest r;
  r.method = "GET";
  r.path = "/api/v1/logs";
  r.target = "/api/v1/logs";
  for (const auto& [k, v] : params) r.query.emplace(k, v);
  return r;
}

// The 400 message for `request`; fails the test if the parameters are accepted.
std::string Error400(const HttpRequest& request) {
  try {
    (void)ParseLogQueryParams(request);
  } catch (const HttpError& e) {
    CHECK(e.status() == 400);
    return e.what();
  }
  FAIL("expected HttpError(400)");
  return "";
}

}  // namespace

TEST_CASE("no parameters give the default query", "[logs-params]") {
  LogQuery q = ParseLogQueryParams(Logs({}));
  CHECK(q.terms.empty());
  CHECK(q.hosts.empty());
  CHECK(q.services.empty());
  CHECK(q.levels.empty());
  CHECK(q.start_ms == 0);
  CHECK(q.end_ms == INT64_MAX);
  CHECK(q.limit == kDefaultLogLimit);
  CHECK_FALSE(q.after.has_value());
}

TEST_CASE("every parameter is parsed into the query", "[logs-params]") {
  LogQuery q = ParseLogQueryParams(Logs({{"q", "\"connection refused\" upstream time*"},
                                         {"host", "web1"},
                                         {"service", "nginx"},
                                         {"level", "error"},
                                         {"start", "1763900000000"},
                                         {"end", "1763900060000"},
                                         {"limit", "25"},
                                         {"cursor", "1763900030000_42"}}));
  REQUIRE(q.terms.size() == 3);
  CHECK(q.terms[0].text == "connection refused");
  CHECK(q.terms[0].phrase);
  CHECK(q.terms[1].text == "upstream");
  CHECK_FALSE(q.terms[1].phrase);
  CHECK(q.terms[2].text == "time");
  CHECK(q.terms[2].prefix);
  CHECK(q.hosts == std::vector<std::string>{"web1"});
  CHECK(q.services == std::vector<std::string>{"nginx"});
  CHECK(q.levels == std::vector<Level>{Level::kError});
  CHECK(q.start_ms == 1763900000000);
  CHECK(q.end_ms == 1763900060000);
  CHECK(q.limit == 25);
  REQUIRE(q.after.has_value());
  CHECK(q.after->ts_ms == 1763900030000);
  CHECK(q.after->id == 42);
}

TEST_CASE("host, service and level take comma lists and repeats", "[logs-params]") {
  LogQuery q = ParseLogQueryParams(Logs({{"host", "web1,web2"},
                                         {"host", "db1"},
                                         {"service", "nginx"},
                                         {"service", "sshd,cron"},
                                         {"level", "warn,error"},
                                         {"level", "critical"}}));
  CHECK(q.hosts == std::vector<std::string>{"web1", "web2", "db1"});
  CHECK(q.services == std::vector<std::string>{"nginx", "sshd", "cron"});
  CHECK(q.levels == std::vector<Level>{Level::kWarning, Level::kError, Level::kCritical});
}

TEST_CASE("empty items in comma lists are ignored", "[logs-params]") {
  LogQuery q =
      ParseLogQueryParams(Logs({{"host", ",web1,,web2,"}, {"service", ""}, {"level", ""}}));
  CHECK(q.hosts == std::vector<std::string>{"web1", "web2"});
  CHECK(q.services.empty());
  CHECK(q.levels.empty());
}

TEST_CASE("levels accept the usual aliases", "[logs-params]") {
  LogQuery q = ParseLogQueryParams(Logs({{"level", "WARNING,err,fatal,dbg,info"}}));
  CHECK(q.levels == std::vector<Level>{Level::kWarning, Level::kError, Level::kCritical,
                                       Level::kDebug, Level::kInfo});
}

TEST_CASE("start and end accept RFC 3339 as well as milliseconds", "[logs-params]") {
  LogQuery q = ParseLogQueryParams(
      Logs({{"start", "2025-11-23T12:13:20Z"}, {"end", "2025-11-23T13:13:20.5+01:00"}}));
  CHECK(q.start_ms == 1763900000000);
  CHECK(q.end_ms == 1763900000500);

  LogQuery lower = ParseLogQueryParams(Logs({{"start", "2025-11-23t12:13:20.123z"}}));
  CHECK(lower.start_ms == 1763900000123);
}

TEST_CASE("empty start and end mean unbounded", "[logs-params]") {
  LogQuery q = ParseLogQueryParams(Logs({{"start", ""}, {"end", ""}}));
  CHECK(q.start_ms == 0);
  CHECK(q.end_ms == INT64_MAX);
}

TEST_CASE("a repeated single-valued parameter uses its last value", "[logs-params]") {
  LogQuery q = ParseLogQueryParams(Logs({{"limit", "5"},
                                         {"limit", "7"},
                                         {"start", "1000"},
                                         {"start", "2000"},
                                         {"q", "a"},
                                         {"q", "b"}}));
  CHECK(q.limit == 7);
  CHECK(q.start_ms == 2000);
  REQUIRE(q.terms.size() == 1);
  CHECK(q.terms[0].text == "b");
}

TEST_CASE("limit accepts 1 to the maximum", "[logs-params]") {
  CHECK(ParseLogQueryParams(Logs({{"limit", "1"}})).limit == 1);
  CHECK(ParseLogQueryParams(Logs({{"limit", std::to_string(kMaxLogLimit)}})).limit == kMaxLogLimit);
}

TEST_CASE("a bad limit is a 400 naming limit and the range", "[logs-params]") {
  const std::string expected =
      "limit: must be an integer from 1 to " + std::to_string(kMaxLogLimit);
  for (const char* bad : {"0", "-1", "", "ten", "10x", "1.5", "10001", "99999999999999999999"}) {
    INFO("limit=" << bad);
    CHECK(Error400(Logs({{"limit", bad}})) == expected);
  }
}

TEST_CASE("a bad start or end is a 400 naming the parameter", "[logs-params]") {
  CHECK_THAT(Error400(Logs({{"start", "yesterday"}})),
             Catch::StartsWith("start: invalid timestamp 'yesterday'"));
  CHECK_THAT(Error400(Logs({{"end", "2025-13-01T00:00:00Z"}})), Catch::StartsWith("end: "));
  CHECK_THAT(Error400(Logs({{"end", "2025-11-23T12:00:00"}})),
             Catch::StartsWith("end: ") && Catch::Contains("time zone"));
  CHECK_THAT(Error400(Logs({{"start", "1234567890123456"}})),
             Catch::StartsWith("start: ") && Catch::Contains("out of range"));
}

TEST_CASE("start at or after end is a 400", "[logs-params]") {
  CHECK(Error400(Logs({{"start", "2000"}, {"end", "1000"}})) == "start must be before end");
  CHECK(Error400(Logs({{"start", "1000"}, {"end", "1000"}})) == "start must be before end");
  CHECK(ParseLogQueryParams(Logs({{"start", "999"}, {"end", "1000"}})).end_ms == 1000);
}

TEST_CASE("an unknown level is a 400 naming level and the value", "[logs-params]") {
  CHECK_THAT(Error400(Logs({{"level", "info,loud"}})),
             Catch::StartsWith("level: unknown level 'loud'"));
}

TEST_CASE("a bad cursor is a 400 naming cursor", "[logs-params]") {
  for (const char* bad : {"abc", "123", "123_", "_5", "1_-2", "1_2_3"}) {
    INFO("cursor=" << bad);
    CHECK(Error400(Logs({{"cursor", bad}})) == "cursor: invalid cursor");
  }
  CHECK_FALSE(ParseLogQueryParams(Logs({{"cursor", ""}})).after.has_value());
}

TEST_CASE("a malformed q is a 400 naming q and the position", "[logs-params]") {
  CHECK_THAT(Error400(Logs({{"q", "ok \"unterminated"}})),
             Catch::StartsWith("q: ") && Catch::Contains("unterminated quote at position 4"));
  CHECK_THAT(Error400(Logs({{"q", "a *"}})),
             Catch::StartsWith("q: ") && Catch::Contains("empty prefix '*' at position 3"));
}

// ParseTextQuery's messages already start with "q: " and the handler adds another.
TEST_CASE("a malformed q names the parameter only once", "[logs-params]") {
  CHECK(Error400(Logs({{"q", "\"open"}})) == "q: unterminated quote at position 1");
}

TEST_CASE("parameters starting with '_' are cache busters and are ignored", "[logs-params]") {
  LogQuery q = ParseLogQueryParams(Logs({{"_", "1763900000000"}, {"_ts", "x"}, {"host", "web1"}}));
  CHECK(q.hosts == std::vector<std::string>{"web1"});
}

TEST_CASE("an unknown parameter is a 400 naming it and listing the known ones", "[logs-params]") {
  CHECK(Error400(Logs({{"hots", "web1"}})) ==
        "unknown parameter 'hots' (expected q, host, service, level, start, end, limit, cursor)");
  // Names are case-sensitive, and an otherwise valid request is still refused.
  CHECK_THAT(Error400(Logs({{"host", "web1"}, {"Limit", "5"}})),
             Catch::StartsWith("unknown parameter 'Limit'"));
}
