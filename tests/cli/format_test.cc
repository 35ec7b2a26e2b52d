#include "cli/format.h"

#include <catch2/catch.hpp>

namespace hivewatch::cli {
namespace {

Json Record() {
  return Json::parse(R"({"id":123,"ts":1763900000123,"time":"2025-11-23T12:13:20.123Z",
    "host":"web1","service":"nginx","level":"error","message":"upstream timed out",
    "fields":{"path":"/api","status":"504"}})");
}

TEST_CASE("a log record prints as time, host, service, level, message and fields", "[cli]") {
  CHECK(FormatLogText(Record(), false) ==
        "2025-11-23T12:13:20.123Z web1 nginx error    upstream timed out path=/api status=504");
}

TEST_CASE("field values that need it are quoted and non-strings printed as JSON", "[cli]") {
  Json record = Record();
  record["fields"] = Json::parse(
      R"({"empty":"","spaced":"a b","eq":"k=v","quote":"say \"hi\"","n":42,"ok":true,
          "obj":{"x":1}})");
  CHECK(FormatLogText(record, false) ==
        "2025-11-23T12:13:20.123Z web1 nginx error    upstream timed out empty=\"\" "
        "spaced=\"a b\" eq=\"k=v\" quote=\"say \\\"hi\\\"\" n=42 ok=true obj={\"x\":1}");
}

TEST_CASE("control characters are escaped so a record stays on one inert line", "[cli]") {
  Json record = Record();
  record["message"] = "first\nsecond\r\tthird \x1b[2Jcleared";
  record["host"] = "evil\x1bhost";
  record["fields"] = Json{{"trace", "a\nb"}};
  std::string line = FormatLogText(record, false);
  CHECK(line.find('\n') == std::string::npos);
  CHECK(line.find('\x1b') == std::string::npos);
  CHECK(line ==
        "2025-11-23T12:13:20.123Z evil\\x1bhost nginx error    "
        "first\\nsecond\\r\\tthird \\x1b[2Jcleared trace=\"a\\nb\"");
}

TEST_CASE("levels are coloured only when asked", "[cli]") {
  Json record = Record();
  CHECK(FormatLogText(record, false).find('\x1b') == std::string::npos);
  CHECK_THAT(FormatLogText(record, true), Catch::Contains(" \x1b[31merror\x1b[0m    upstream"));
  record["level"] = "warning";
  CHECK_THAT(FormatLogText(record, true), Catch::Contains("\x1b[33mwarning\x1b[0m  upstream"));
  record["level"] = "critical";
  CHECK_THAT(FormatLogText(record, true), Catch::Contains("\x1b[1;31mcritical\x1b[0m upstream"));
  record["level"] = "strange";  // unknown levels print plain
  CHECK_THAT(FormatLogText(record, true), Catch::Contains(" strange  upstream"));
}

TEST_CASE("a record with missing parts prints placeholders instead of failing", "[cli]") {
  CHECK(FormatLogText(Json::parse(R"({"time":"2025-01-01T00:00:00.000Z","message":"m"})"), false) ==
        "2025-01-01T00:00:00.000Z - - -        m");
  CHECK(FormatLogText(Json::parse(R"({"host":7,"fields":"not an object"})"), false) ==
        "- - - -        ");
}

TEST_CASE("JSON output is one line per record with the collector's key order", "[cli]") {
  const std::string text =
      R"({"id":1,"ts":5,"time":"t","host":"h","service":"s","level":"info","message":"a\nb","fields":{"z":"1","a":"2"}})";
  CHECK(FormatJsonLine(Json::parse(text)) == text);
}

TEST_CASE("ages read as seconds, minutes, hours or days ago", "[cli]") {
  const int64_t now = 1763900000000;
  CHECK(FormatAge(now, now) == "0s ago");
  CHECK(FormatAge(now + 5000, now) == "0s ago");  // clock skew
  CHECK(FormatAge(now - 12'345, now) == "12s ago");
  CHECK(FormatAge(now - 59'999, now) == "59s ago");
  CHECK(FormatAge(now - 60'000, now) == "1m ago");
  CHECK(FormatAge(now - 3'599'000, now) == "59m ago");
  CHECK(FormatAge(now - 3'600'000, now) == "1h ago");
  CHECK(FormatAge(now - 86'400'000 * 3 - 1, now) == "3d ago");
  CHECK(FormatAge(0, now) == "never");
}

TEST_CASE("hosts print as an aligned table with numbers right-aligned", "[cli]") {
  const int64_t now = 1763900000000;
  Json hosts = Json::parse(R"([
    {"host":"web1","agent_id":"a1","agent_version":"0.1.0","first_seen":1,
     "last_seen":1763899988000,"batches":12,"log_lines":34567,"samples":890},
    {"host":"database-primary","agent_id":"a2","agent_version":"0.2.0-rc1","first_seen":1,
     "last_seen":1763896400000,"batches":3,"log_lines":0,"samples":1234567}])");
  CHECK(FormatHostsTable(hosts, now) ==
        "HOST              LAST SEEN  BATCHES  LOG LINES  SAMPLES  VERSION\n"
        "web1              12s ago         12      34567      890  0.1.0\n"
        "database-primary  1h ago           3          0  1234567  0.2.0-rc1\n");
  CHECK(FormatHostsTable(Json::array(), now) ==
        "HOST  LAST SEEN  BATCHES  LOG LINES  SAMPLES  VERSION\n");
}

}  // namespace
}  // namespace hivewatch::cli
