// `hivewatch metrics`: arguments, the URL it asks for, and how it prints the answers.
#include <catch2/catch.hpp>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "cli/args.h"
#include "cli/cli.h"
#include "cli/format.h"
#include "tests/cli/fake_collector.h"

namespace hivewatch::cli {
namespace {

using testing::FakeCollector;
using testing::Param;

constexpr int64_t kNow = 1763900000000;  // 2025-11-23T12:13:20Z

std::variant<Invocation, UsageError> ParseMetrics(const std::vector<std::string>& args) {
  ArgsContext context;
  context.now_ms = kNow;
  context.getenv = [](const std::string&) -> std::optional<std::string> { return std::nullopt; };
  return ParseArgs(args, context);
}

MetricsRequest Request(const std::vector<std::string>& args) {
  auto parsed = ParseMetrics(args);
  if (auto* error = std::get_if<UsageError>(&parsed)) FAIL("usage error: " << error->message);
  REQUIRE(std::get<Invocation>(parsed).command == Command::kMetrics);
  return std::get<Invocation>(parsed).metrics;
}

std::string UsageOf(const std::vector<std::string>& args) {
  auto parsed = ParseMetrics(args);
  if (std::holds_alternative<Invocation>(parsed)) FAIL("parsed without a usage error");
  CHECK(std::get<UsageError>(parsed).help_hint == "hivewatch metrics --help");
  return std::get<UsageError>(parsed).message;
}

const char* kMatrix = R"({"status":"success","data":{"resultType":"matrix","result":[
  {"metric":{"host":"db-1"},"values":[[1763896400,"0.25"],[1763896460,"0.5"],[1763896520,"1"]]},
  {"metric":{"__name__":"up","host":"web-1"},"values":[[1763896400,"1"]]}]}})";

TEST_CASE("metrics queries the last hour at about 60 points by default", "[cli][metrics]") {
  const MetricsRequest r = Request({"metrics", "up"});
  CHECK(r.query == "up");
  CHECK(r.end_ms == kNow);
  CHECK(r.start_ms == kNow - 3600000);
  CHECK(r.step_ms == 60000);
  CHECK_FALSE(r.at_ms.has_value());
  CHECK(BuildMetricsUrl("http://c:9800", r) ==
        "http://c:9800/api/v1/query_range?query=up&start=1763896400&end=1763900000&step=60");
}

TEST_CASE("metrics takes --since, --start, --end, --step and --at", "[cli][metrics]") {
  MetricsRequest r = Request({"metrics", "--since", "6h", "--step", "30s", "rate(x[5m])"});
  CHECK(r.start_ms == kNow - 6 * 3600000);
  CHECK(r.step_ms == 30000);
  r = Request(
      {"metrics", "x", "--start", "2025-11-23T00:00:00Z", "--end", "2025-11-23T00:10:00.5Z"});
  CHECK(r.start_ms == 1763856000000);
  CHECK(r.end_ms == 1763856600500);
  CHECK(r.step_ms == 10000);
  CHECK(BuildMetricsUrl("http://c", r).find("&end=1763856600.500&") != std::string::npos);
  r = Request({"metrics", "--at", "now", "sum by (host) (x)"});
  REQUIRE(r.at_ms.has_value());
  CHECK(BuildMetricsUrl("http://c", r) ==
        "http://c/api/v1/query?query=sum%20by%20%28host%29%20%28x%29&time=1763900000");
  CHECK(Request({"metrics", "--since", "30s", "x"}).step_ms == 1000);
}

TEST_CASE("metrics explains wrong arguments", "[cli][metrics]") {
  CHECK(UsageOf({"metrics"}) == "missing the query, e.g. hivewatch metrics 'up'");
  CHECK(UsageOf({"metrics", "sum", "by", "(host)"}).find("expected one query argument, got 3") ==
        0);
  CHECK(UsageOf({"metrics", "x", "--since", "1h", "--start", "2025-11-23T00:00:00Z"}) ==
        "use either --since or --start, not both");
  CHECK(UsageOf({"metrics", "x", "--at", "now", "--step", "1m"}).find("--at evaluates") == 0);
  CHECK(UsageOf({"metrics", "x", "--step", "0s"}).find("--step must be a positive duration") == 0);
  CHECK(UsageOf({"metrics", "x", "--since", "1d", "--step", "1s"}).find("at most 11000") !=
        std::string::npos);
  CHECK(UsageOf({"metrics", "x", "--output", "yaml"}) ==
        "--output must be 'text' or 'json', not 'yaml'");
}

TEST_CASE("a matrix prints one row per series with a summary and a trend", "[cli][metrics]") {
  const Json data = Json::parse(kMatrix)["data"];
  CHECK(FormatMetricsTable(data) ==
        "SERIES            LAST   MIN       AVG  MAX  TREND\n"
        "{host=\"db-1\"}        1  0.25  0.583333    1  \xe2\x96\x81\xe2\x96\x83\xe2\x96\x88\n"
        "up{host=\"web-1\"}     1     1         1    1  \xe2\x96\x84\n");
  CHECK(
      FormatMetricsJsonLines(data) ==
      R"({"metric":{"host":"db-1"},"values":[[1763896400,"0.25"],[1763896460,"0.5"],[1763896520,"1"]]})"
      "\n"
      R"({"metric":{"__name__":"up","host":"web-1"},"values":[[1763896400,"1"]]})"
      "\n");
}

TEST_CASE("vectors and scalars print their values", "[cli][metrics]") {
  CHECK(FormatMetricsTable(Json::parse(
            R"({"resultType":"vector","result":[{"metric":{"host":"a"},"value":[1,"4.2e+09"]},
                {"metric":{},"value":[1,"NaN"]}]})")) ==
        "SERIES        VALUE\n{host=\"a\"}  4.2e+09\n{}              NaN\n");
  CHECK(FormatMetricsTable(Json::parse(R"({"resultType":"scalar","result":[1,"0.5"]})")) ==
        "0.5\n");
}

struct RunResult {
  int status;
  std::string out, err;
};

RunResult RunWith(FakeCollector& fake, std::vector<std::string> args) {
  std::ostringstream out, err;
  CliEnvironment env;
  env.out = &out;
  env.err = &err;
  env.getenv = [](const std::string&) -> std::optional<std::string> { return std::nullopt; };
  env.now_ms = [] { return kNow; };
  env.transport = &fake;
  const int status = RunCli(args, env);
  return {status, out.str(), err.str()};
}

TEST_CASE("metrics runs the query and reports the collector's errors", "[cli][metrics]") {
  FakeCollector fake;
  fake.fixed_response = HttpResponse{200, kMatrix, {}};
  RunResult run = RunWith(fake, {"metrics", "up", "--output", "json"});
  CHECK(run.status == kExitOk);
  CHECK(run.out.find("\"host\":\"db-1\"") != std::string::npos);
  REQUIRE(fake.calls.size() == 1);
  CHECK(Param(fake.calls[0].url, "query") == "up");

  fake.fixed_response = HttpResponse{
      400,
      R"({"status":"error","errorType":"bad_data","error":"invalid parameter \"query\": 1:5: parse error: unexpected end of input"})",
      {}};
  run = RunWith(fake, {"metrics", "sum("});
  CHECK(run.status == kExitError);
  CHECK(run.err ==
        "hivewatch: the collector rejected the request: invalid parameter \"query\": 1:5: parse "
        "error: unexpected end of input\n");

  fake.fixed_response =
      HttpResponse{200, R"({"status":"success","data":{"resultType":"matrix","result":[]}})", {}};
  run = RunWith(fake, {"metrics", "nothing"});
  CHECK(run.status == kExitOk);
  CHECK(run.out.empty());
  CHECK(run.err == "hivewatch: the query returned no series\n");
}

}  // namespace
}  // namespace hivewatch::cli
