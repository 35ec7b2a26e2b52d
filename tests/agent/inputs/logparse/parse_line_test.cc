// JSON lines, logfmt and ParseLine: message, fields, level and time of one record.
#include <catch2/catch.hpp>
#include <string>

#include "agent/inputs/logparse/logparse.h"
#include "common/time_util.h"
#include "tests/agent/inputs/logparse/samples.h"

namespace hivewatch::logparse {
namespace {

using testing::Ms;

const int64_t kFallback = 1700000000000;
const int64_t kNow = 1763900000000;  // 2025-11-23T12:13:20Z

TEST_CASE("a JSON line gives scalar fields, nested values as JSON text, and its message",
          "[logparse][json]") {
  Labels fields;
  std::string message;
  REQUIRE(ParseJsonLine(R"({"msg":"user \"bob\" logged in\n","user":"bob","attempt":3,)"
                        R"("ratio":1.5,"ok":true,"gone":null,"tags":["a","b"],)"
                        R"("req":{"id": 7, "path":"/x"},"uni":"caf\u00e9"})",
                        &fields, &message));
  CHECK(message == "user \"bob\" logged in");  // trailing newline dropped
  CHECK(fields == Labels{{"user", "bob"},
                         {"attempt", "3"},
                         {"ratio", "1.5"},
                         {"ok", "true"},
                         {"tags", R"(["a","b"])"},
                         {"req", R"({"id":7,"path":"/x"})"},
                         {"uni", "caf\xC3\xA9"}});

  // "message" wins over "msg" and "log"; without any, the whole line is the message.
  REQUIRE(ParseJsonLine(R"({"log":"l","msg":"m","message":"M"})", &fields, &message));
  CHECK(message == "M");
  CHECK(fields == Labels{{"log", "l"}, {"msg", "m"}});
  REQUIRE(ParseJsonLine(R"(  {"a":1}  )", &fields, &message));
  CHECK(message == R"({"a":1})");
  CHECK(fields == Labels{{"a", "1"}});
  // Docker's json-file lines.
  REQUIRE(ParseJsonLine(R"({"log":"hello\n","stream":"stdout","time":"2025-11-23T12:00:00.5Z"})",
                        &fields, &message));
  CHECK(message == "hello");
}

TEST_CASE("lines that are not one complete JSON object are not JSON", "[logparse][json]") {
  Labels fields{{"stale", "x"}};
  std::string message = "stale";
  for (const char* line : {"", "{", "{}x", "[1,2]", "\"str\"", "{\"a\":1", "{\"a\":1}}",
                           "{\"a\":tru}", "{\"a\" 1}", "{a:1}", "{\"a\":1,}", "not json {}",
                           "{\"a\":\"\xFF\"}"}) {
    INFO(line);
    CHECK(!ParseJsonLine(line, &fields, &message));
    CHECK(fields.empty());
    CHECK(message.empty());
  }
}

TEST_CASE("a logfmt line gives its pairs as fields", "[logparse][logfmt]") {
  Labels fields;
  std::string message;
  REQUIRE(ParseLogfmt(R"(ts=2025-11-23T12:00:00Z level=warn msg="disk \"/\" at 91%\tnow" )"
                      R"(path=/var/log dur=1.5ms empty= quoted="" k.sub-key/x@y:z=1)",
                      &fields, &message));
  CHECK(message == "disk \"/\" at 91%\tnow");
  CHECK(fields == Labels{{"ts", "2025-11-23T12:00:00Z"},
                         {"level", "warn"},
                         {"path", "/var/log"},
                         {"dur", "1.5ms"},
                         {"empty", ""},
                         {"quoted", ""},
                         {"k.sub-key/x@y:z", "1"}});
  REQUIRE(ParseLogfmt("a=1 b=2", &fields, &message));
  CHECK(message == "a=1 b=2");
  CHECK(fields == Labels{{"a", "1"}, {"b", "2"}});
}

TEST_CASE("text with a few key=value pairs is not logfmt", "[logparse][logfmt]") {
  Labels fields;
  std::string message;
  for (const char* line :
       {"", "a=1", "just text", "a=1 b=2 trailing", "leading a=1 b=2", "a=1 b=\"unterminated",
        "a=1 b=\"x\"y", "a=b=c d=1", "=1 b=2", "1a=1 b=2", "a=x\"y b=2",
        "Jun 14 15:16:01 combo sshd(pam_unix)[19939]: authentication failure; logname= uid=0 "
        "euid=0 tty=NODEVssh ruser= rhost=218.188.2.4 "}) {
    INFO(line);
    CHECK(!ParseLogfmt(line, &fields, &message));
    CHECK(fields.empty());
  }
}

TEST_CASE("ParseLine on the real samples: whole line as message, level and time",
          "[logparse][line]") {
  const int64_t now2005 = Ms("2005-08-01T00:00:00Z");
  auto lines = testing::SampleLines("Hadoop_2k.log");
  LogRecord r = ParseLine(lines[0], kFallback, now2005);
  CHECK(r.message ==
        "2015-10-18 18:01:47,978 INFO [main] org.apache.hadoop.mapreduce.v2.app.MRAppMaster: "
        "Created MRAppMaster for application appattempt_1445144423722_0020_000001");  // no '\r'
  CHECK(r.ts_ms == Ms("2015-10-18T18:01:47.978Z"));
  CHECK(r.level == Level::kInfo);
  CHECK(r.fields.empty());
  CHECK(r.service.empty());

  lines = testing::SampleLines("Linux_2k.log");
  r = ParseLine(lines[0], kFallback, now2005);
  CHECK(r.ts_ms == Ms("2005-06-14T15:16:01Z"));
  CHECK(r.level == Level::kInfo);  // no level: the default
  CHECK(r.fields.empty());         // "logname= uid=0 ..." is not logfmt

  // Every sample line keeps its text and gets a time of its own (never the fallback).
  for (const char* file : {"Linux_2k.log", "OpenSSH_2k.log", "HDFS_2k.log", "Hadoop_2k.log"}) {
    for (const std::string& line : testing::SampleLines(file)) {
      r = ParseLine(line, kFallback, now2005);
      const bool crlf = !line.empty() && line.back() == '\r';  // the last lines have no CRLF
      CHECK(r.message == line.substr(0, line.size() - (crlf ? 1 : 0)));
      CHECK(r.ts_ms != kFallback);
      CHECK(r.fields.empty());
    }
  }
}

TEST_CASE("ParseLine takes level and time from structured fields first", "[logparse][line]") {
  LogRecord r = ParseLine(
      R"({"ts":1763900000.25,"level":"warning","msg":"slow request","ms":812,"path":"/api"})",
      kFallback, kNow);
  CHECK(r.message == "slow request");
  CHECK(r.level == Level::kWarning);
  CHECK(r.ts_ms == 1763900000250);
  CHECK(r.fields == Labels{{"ms", "812"}, {"path", "/api"}});  // level and ts are consumed

  // Epoch units by magnitude; text times; pino's numeric levels; syslog numbers.
  CHECK(ParseLine(R"({"time":1763900000123,"msg":"x"})", kFallback, kNow).ts_ms == 1763900000123);
  CHECK(ParseLine(R"({"timestamp":1763900000123456,"msg":"x"})", kFallback, kNow).ts_ms ==
        1763900000123);
  CHECK(ParseLine(R"({"timestamp":1763900000123456789,"msg":"x"})", kFallback, kNow).ts_ms ==
        1763900000123);
  CHECK(ParseLine(R"({"time":"1763900000","msg":"x"})", kFallback, kNow).ts_ms == 1763900000000);
  CHECK(ParseLine(R"({"@timestamp":"2025-11-23T12:00:00.123+01:00","message":"x"})", kFallback,
                  kNow)
            .ts_ms == Ms("2025-11-23T11:00:00.123Z"));
  auto pino = ParseLine(R"({"level":50,"time":1763900000000,"pid":1,"msg":"boom"})", kFallback,
                        kNow);
  CHECK(pino.level == Level::kError);
  CHECK(pino.fields == Labels{{"pid", "1"}});
  CHECK(ParseLine(R"({"severity":"3","msg":"x"})", kFallback, kNow).level == Level::kError);
  CHECK(ParseLine(R"({"lvl":"FATAL","msg":"x"})", kFallback, kNow).level == Level::kCritical);

  // An unknown level or an unreadable time stays a field; the text heuristics then apply.
  r = ParseLine(R"({"level":"chatty","time":"yesterday","msg":"ERROR: disk"})", kFallback, kNow);
  CHECK(r.level == Level::kError);
  CHECK(r.ts_ms == kFallback);
  CHECK(r.fields == Labels{{"level", "chatty"}, {"time", "yesterday"}});

  // Docker json-file: time from the field, level from the log text.
  r = ParseLine(R"({"log":"WARN cache miss\n","stream":"stderr","time":"2025-11-23T12:00:00.5Z"})",
                kFallback, kNow);
  CHECK(r.message == "WARN cache miss");
  CHECK(r.level == Level::kWarning);
  CHECK(r.ts_ms == Ms("2025-11-23T12:00:00.500Z"));
  CHECK(r.fields == Labels{{"stream", "stderr"}});

  r = ParseLine("ts=2025-11-23T12:00:00Z level=error msg=\"upstream down\" host=a", kFallback,
                kNow);
  CHECK(r.message == "upstream down");
  CHECK(r.level == Level::kError);
  CHECK(r.ts_ms == Ms("2025-11-23T12:00:00Z"));
  CHECK(r.fields == Labels{{"host", "a"}});
}

TEST_CASE("ParseLine options turn structured parsing off", "[logparse][line]") {
  ParseOptions plain;
  plain.parse_json = false;
  plain.parse_logfmt = false;
  const std::string json = R"({"level":"error","msg":"x"})";
  LogRecord r = ParseLine(json, kFallback, kNow, plain);
  CHECK(r.message == json);
  CHECK(r.fields.empty());
  CHECK(r.level == Level::kInfo);
  CHECK(r.ts_ms == kFallback);
  r = ParseLine("level=warn msg=x", kFallback, kNow, plain);
  CHECK(r.fields.empty());
  CHECK(r.level == Level::kWarning);  // DetectLevel still reads level=
  CHECK(r.message == "level=warn msg=x");
}

}  // namespace
}  // namespace hivewatch::logparse
