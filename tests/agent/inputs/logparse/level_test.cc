// DetectLevel on the real samples and on common formats, and what it must not take for a level.
#include <catch2/catch.hpp>
#include <map>
#include <string>

#include "agent/inputs/logparse/logparse.h"
#include "tests/agent/inputs/logparse/samples.h"

namespace hivewatch::logparse {
namespace {

std::string L(std::string_view line) {
  auto level = DetectLevel(line);
  return level ? LevelName(*level) : "none";
}

std::map<std::string, int> CountLevels(const std::string& file) {
  std::map<std::string, int> counts;
  for (const std::string& line : testing::SampleLines(file)) ++counts[L(line)];
  return counts;
}

TEST_CASE("levels of the real samples match their level columns", "[logparse][level]") {
  // HDFS: "081109 203615 148 INFO dfs..." — `awk '{print $4}' | sort | uniq -c`.
  CHECK(CountLevels("HDFS_2k.log") == std::map<std::string, int>{{"info", 1920}, {"warning", 80}});
  // Hadoop: "2015-10-18 18:01:47,978 INFO [main] ..." — FATAL is critical.
  CHECK(CountLevels("Hadoop_2k.log") ==
        std::map<std::string, int>{
            {"info", 1040}, {"warning", 808}, {"error", 150}, {"critical", 2}});
  // Linux syslog: no level column. Only the message's own first word counts: 2 xinetd
  // "warning: can't get client address" and 43 logrotate "ALERT exited abnormally".
  CHECK(CountLevels("Linux_2k.log") ==
        std::map<std::string, int>{{"none", 1955}, {"warning", 2}, {"critical", 43}});
  // OpenSSH: "sshd[24200]: error: Received disconnect ..." (47) and one "fatal: Write failed".
  CHECK(CountLevels("OpenSSH_2k.log") ==
        std::map<std::string, int>{{"none", 1952}, {"error", 47}, {"critical", 1}});
}

TEST_CASE("sample lines, one by one", "[logparse][level]") {
  CHECK(L("081109 203615 148 INFO dfs.DataNode$PacketResponder: PacketResponder 1 for block "
          "blk_38865049064139660 terminating") == "info");
  CHECK(L("081109 204655 556 WARN dfs.DataNode$DataXceiver: 10.251.30.85:50010:Got exception "
          "while serving blk_-2918118818249673980 to /10.251.90.64:") == "warning");
  CHECK(L("2015-10-18 18:01:52,000 ERROR [RMCommunicator Allocator] "
          "org.apache.hadoop.mapreduce.v2.app.rm.RMContainerAllocator: ERROR IN CONTACTING RM.") ==
        "error");
  CHECK(L("Jun 14 15:16:01 combo sshd(pam_unix)[19939]: authentication failure; logname= uid=0 "
          "euid=0 tty=NODEVssh ruser= rhost=218.188.2.4 ") == "none");
  CHECK(L("Dec 10 07:51:15 LabSZ sshd[24324]: error: Received disconnect from 195.154.37.122: 3: "
          "com.jcraft.jsch.JSchException: Auth fail [preauth]") == "error");
  CHECK(L("Dec 10 06:55:46 LabSZ sshd[24200]: reverse mapping checking getaddrinfo for "
          "ns.marryaldkfaczcz.com [173.234.31.186] failed - POSSIBLE BREAK-IN ATTEMPT!") == "none");
}

TEST_CASE("common level notations", "[logparse][level]") {
  CHECK(L("ERROR something broke") == "error");
  CHECK(L("[error] something broke") == "error");
  CHECK(L("[Wed Oct 11 14:32:52 2000] [error] [client 127.0.0.1] client denied") == "error");
  CHECK(L("2025/11/23 12:00:00 [warn] 12#0: *1 upstream timed out") == "warning");
  CHECK(L("2025-11-23T12:00:00Z WARN  [main] x") == "warning");
  CHECK(L("2025-11-23 12:00:00,123 - myapp - CRITICAL - disk full") == "critical");
  CHECK(L("ERROR:root:division by zero") == "error");
  CHECK(L("<WARNING> x") == "warning");
  CHECK(L("(debug) x") == "debug");
  CHECK(L("time=2025-11-23T12:00:00Z level=warn msg=hi") == "warning");
  CHECK(L("lvl=\"ERROR\" msg=x") == "error");
  CHECK(L("W1123 12:00:00.123456  1234 main.cc:42] low disk") == "warning");
  CHECK(L("E1123 12:00:00.123456  1234 main.cc:42] failed") == "error");
  CHECK(L("F1123 12:00:00.123456  1234 main.cc:42] check failed") == "critical");
  CHECK(L("<11>Oct 11 22:14:15 host app: anything") == "error");    // 11 = user.err
  CHECK(L("<165>1 2003-10-11T22:14:15.003Z host app - - - x") == "notice");  // 165 = local4.notice
  CHECK(L("<0>kernel panic") == "critical");
  CHECK(L("Jun 14 15:16:01 host app[1]: Warning: disk almost full") == "warning");
  CHECK(L("fatal: not a git repository") == "critical");
  CHECK(L("panic: runtime error: index out of range") == "critical");
  CHECK(L("2025-11-23 12:00:00 TRACE entering") == "trace");
  CHECK(L("2025-11-23 12:00:00 DBG x") == "debug");
  CHECK(L("2025-11-23 12:00:00 NOTICE x") == "notice");
  CHECK(L("SEVERE: Servlet.service() threw exception") == "error");
  CHECK(L("2025-11-23 12:00:00 | INFO | x") == "info");
}

TEST_CASE("level words inside free text are not the line's level", "[logparse][level]") {
  CHECK(L("") == "none");
  CHECK(L("hello world") == "none");
  CHECK(L("an error occurred while reading") == "none");
  CHECK(L("2025-11-23 12:00:00 connection failed with error 42") == "none");
  CHECK(L("Jun 14 15:16:01 host app[1]: could not connect: ERROR from upstream") == "none");
  CHECK(L("Jun 14 15:16:01 host app[1]: user said: error: not really") == "none");
  CHECK(L("2025-11-23 12:00:00 request done in 3ms, 0 errors, 2 warnings") == "none");
  CHECK(L("2025-11-23 12:00:00 GET /api/info 200") == "none");
  CHECK(L("2025-11-23 12:00:00 one two three four ERROR five") == "none");
  CHECK(L("Information about the error: none") == "none");   // "Information" without colon
  CHECK(L("infoblox sync done") == "none");
  CHECK(L("Warnings: 0") == "none");
  CHECK(L("\tat com.example.Error.handle(Error.java:12)") == "none");
}

}  // namespace
}  // namespace hivewatch::logparse
