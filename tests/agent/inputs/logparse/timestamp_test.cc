// ExtractTimestampMs on every line of the real samples and on the common formats.
#include <catch2/catch.hpp>
#include <string>

#include "agent/inputs/logparse/logparse.h"
#include "common/time_util.h"
#include "tests/agent/inputs/logparse/samples.h"

namespace hivewatch::logparse {
namespace {

using testing::Ms;
using testing::SampleLines;

// The samples' syslog lines have no year: read as if on 2005-08-01.
const int64_t kNow2005 = 1122854400000;  // 2005-08-01T00:00:00Z

std::string Ts(std::string_view line, int64_t now_ms = kNow2005) {
  auto ts = ExtractTimestampMs(line, now_ms);
  return ts ? FormatRfc3339(*ts) : "none";
}

TEST_CASE("every line of the four real samples has its timestamp read", "[logparse][time]") {
  for (const char* file : {"Linux_2k.log", "OpenSSH_2k.log", "HDFS_2k.log", "Hadoop_2k.log"}) {
    INFO(file);
    int64_t first = 0, last = 0;
    for (const std::string& line : SampleLines(file)) {
      INFO(line);
      auto ts = ExtractTimestampMs(line, kNow2005);
      REQUIRE(ts.has_value());
      if (first == 0) first = *ts;
      last = *ts;
    }
    // Each sample covers a few hours to a few weeks, in the past of kNow2005 or of its year.
    CHECK(last >= first);
    CHECK(last - first < 60LL * 86400 * 1000);
  }
}

TEST_CASE("sample lines give their exact times", "[logparse][time]") {
  CHECK(Ts(SampleLines("Linux_2k.log").front()) == "2005-06-14T15:16:01.000Z");
  CHECK(Ts(SampleLines("Linux_2k.log").back()) == "2005-07-27T14:42:00.000Z");
  CHECK(Ts("Jul  9 12:16:51 combo ftpd[23154]: connection from 211.167.68.59") ==
        "2005-07-09T12:16:51.000Z");
  CHECK(Ts(SampleLines("OpenSSH_2k.log").front()) == "2004-12-10T06:55:46.000Z");
  CHECK(Ts(SampleLines("OpenSSH_2k.log").back()) == "2004-12-10T11:04:45.000Z");
  CHECK(Ts(SampleLines("HDFS_2k.log").front()) == "2008-11-09T20:36:15.000Z");
  CHECK(Ts(SampleLines("HDFS_2k.log").back()) == "2008-11-11T10:20:17.000Z");
  CHECK(Ts(SampleLines("Hadoop_2k.log").front()) == "2015-10-18T18:01:47.978Z");
  CHECK(Ts(SampleLines("Hadoop_2k.log").back()) == "2015-10-18T18:10:55.202Z");
}

TEST_CASE("a syslog date without year takes the current year unless that is in the future",
          "[logparse][time]") {
  const int64_t jan5 = Ms("2016-01-05T00:00:00Z");
  CHECK(Ts("Dec 10 06:55:46 LabSZ sshd[24200]: x", jan5) == "2015-12-10T06:55:46.000Z");
  CHECK(Ts("Jan  4 23:00:00 host x: y", jan5) == "2016-01-04T23:00:00.000Z");
  // Up to a day ahead is clock skew, not last year.
  CHECK(Ts("Jan  5 20:00:00 host x: y", jan5) == "2016-01-05T20:00:00.000Z");
  CHECK(Ts("Jan  6 12:00:00 host x: y", jan5) == "2015-01-06T12:00:00.000Z");
  // Feb 29 goes back to the last leap year.
  CHECK(Ts("Feb 29 01:02:03 host x: y", Ms("2025-03-01T00:00:00Z")) ==
        "2024-02-29T01:02:03.000Z");
  CHECK(Ts("Jun 14 15:16:01.250 host x: y") == "2005-06-14T15:16:01.250Z");
  CHECK(Ts("Jun 14 2003 15:16:01 host x: y") == "2003-06-14T15:16:01.000Z");
}

TEST_CASE("RFC 3339 and ISO 8601 variants", "[logparse][time]") {
  CHECK(Ts("2025-11-23T12:00:00Z hello") == "2025-11-23T12:00:00.000Z");
  CHECK(Ts("2025-11-23T12:00:00.123+01:00 hello") == "2025-11-23T11:00:00.123Z");
  CHECK(Ts("2025-11-23T12:00:00.123456789-0230 x") == "2025-11-23T14:30:00.123Z");
  CHECK(Ts("2025-11-23t12:00:00z") == "2025-11-23T12:00:00.000Z");
  CHECK(Ts("2025-11-23 12:00:00 x") == "2025-11-23T12:00:00.000Z");
  CHECK(Ts("2025-11-23 12:00:00,5 INFO x") == "2025-11-23T12:00:00.500Z");
  CHECK(Ts("2025-11-23 12:00:00.12345 +0100 x") == "2025-11-23T11:00:00.123Z");
  CHECK(Ts("2025-11-23 12:00:00 UTC x") == "2025-11-23T12:00:00.000Z");
  CHECK(Ts("2025-11-23T12:00+05 x") == "2025-11-23T07:00:00.000Z");
  CHECK(Ts("2025/11/23 12:00:00 [error] 12#0: *1 open() failed") == "2025-11-23T12:00:00.000Z");
  CHECK(Ts("[2025-11-23 12:00:00.250] production.ERROR: x") == "2025-11-23T12:00:00.250Z");
  // Python's logging: the " - " after the time is not a zone.
  CHECK(Ts("2025-11-23 12:00:00,123 - app - ERROR - x") == "2025-11-23T12:00:00.123Z");
  CHECK(Ts("2024-02-29T00:00:00Z leap") == "2024-02-29T00:00:00.000Z");
  CHECK(Ts("2023-12-31T23:59:60Z leap second") == "2024-01-01T00:00:00.000Z");
}

TEST_CASE("access log, ctime, glog, syslog PRI and epoch forms", "[logparse][time]") {
  CHECK(Ts("127.0.0.1 - frank [10/Oct/2000:13:55:36 -0700] \"GET /apache_pb.gif HTTP/1.0\" 200 "
           "2326") == "2000-10-10T20:55:36.000Z");
  CHECK(Ts("::1 - - [23/Nov/2025:12:00:00 +0000] \"GET / HTTP/1.1\" 200 612 \"-\" \"curl/7.88\"") ==
        "2025-11-23T12:00:00.000Z");
  CHECK(Ts("[Wed Oct 11 14:32:52 2000] [error] [client 127.0.0.1] client denied") ==
        "2000-10-11T14:32:52.000Z");
  CHECK(Ts("[Tue Oct 10 14:32:52.123456 2000] [core:error] x") == "2000-10-10T14:32:52.123Z");
  CHECK(Ts("I0715 12:34:56.789012  1234 main.cc:42] started") == "2005-07-15T12:34:56.789Z");
  CHECK(Ts("<34>Oct 11 22:14:15 mymachine su: 'su root' failed") == "2004-10-11T22:14:15.000Z");
  CHECK(Ts("<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 - x") ==
        "2003-10-11T22:14:15.003Z");
  CHECK(Ts("1286536309.586    921 192.168.0.68 TCP_MISS/200 507 POST http://x/ -") ==
        "2010-10-08T11:11:49.586Z");
  CHECK(Ts("1763900000123 hello") == "2025-11-23T12:13:20.123Z");
}

TEST_CASE("lines without a timestamp, or with an impossible one, give none", "[logparse][time]") {
  CHECK(Ts("") == "none");
  CHECK(Ts("hello world") == "none");
  CHECK(Ts("\tat com.foo.Bar.baz(Bar.java:42)") == "none");
  CHECK(Ts("2025-13-01 12:00:00 month 13") == "none");
  CHECK(Ts("2025-02-30T12:00:00Z") == "none");
  CHECK(Ts("2025-11-23T25:00:00Z") == "none");
  CHECK(Ts("2025-11-23") == "none");
  CHECK(Ts("Foo 14 15:16:01 not a month") == "none");
  CHECK(Ts("Jun 32 15:16:01 no such day") == "none");
  CHECK(Ts("123456 rows copied") == "none");
  CHECK(Ts("1234567 things") == "none");
  CHECK(Ts("12345678901234567890 big") == "none");
  CHECK(Ts("a line with [brackets] but [no time]") == "none");
  // A date far into the line is the message's, not the line's.
  CHECK(Ts("user logged in at 2025-11-23T12:00:00Z") == "none");
}

}  // namespace
}  // namespace hivewatch::logparse
