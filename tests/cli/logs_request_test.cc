#include "cli/logs_request.h"

#include <catch2/catch.hpp>

namespace hivewatch::cli {
namespace {

TEST_CASE("query words are joined and arguments with spaces become phrases", "[cli]") {
  CHECK(BuildTextQuery({}) == "");
  CHECK(BuildTextQuery({"error", "disk*"}) == "error disk*");
  CHECK(BuildTextQuery({"upstream timed out", "nginx"}) == "\"upstream timed out\" nginx");
  CHECK(BuildTextQuery({"tab\tseparated"}) == "\"tab\tseparated\"");
  CHECK(BuildTextQuery({"", "  ", "x"}) == "x");
  // Already in the API's syntax: passed as written.
  CHECK(BuildTextQuery({"\"disk full\""}) == "\"disk full\"");
  CHECK(BuildTextQuery({"error \"disk full\""}) == "error \"disk full\"");
}

TEST_CASE("the logs URL encodes every value and adds the cursor of the next page", "[cli]") {
  LogsRequest request;
  request.q = "\"a&b\" caf\xC3\xA9 50%";
  request.hosts = {"web 1"};
  request.services = {"svc/x"};
  request.levels = {"error"};
  request.start_ms = 0;
  CHECK(BuildLogsUrl("http://h:1", request, 10000, "") ==
        "http://h:1/api/v1/logs?q=%22a%26b%22%20caf%C3%A9%2050%25&host=web%201&service=svc%2Fx"
        "&level=error&start=0&limit=10000");
  CHECK(BuildLogsUrl("http://h:1/pre", LogsRequest{}, 7, "eyJ0cyI6MX0=/+") ==
        "http://h:1/pre/api/v1/logs?limit=7&cursor=eyJ0cyI6MX0%3D%2F%2B");
}

TEST_CASE("the hosts URL hangs off the base URL", "[cli]") {
  CHECK(BuildHostsUrl("http://127.0.0.1:9800") == "http://127.0.0.1:9800/api/v1/hosts");
}

}  // namespace
}  // namespace hivewatch::cli
