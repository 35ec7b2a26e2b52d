// MultilineAssembler: Java stack traces and Python tracebacks become one record each.
#include <catch2/catch.hpp>
#include <regex>
#include <string>
#include <vector>

#include "agent/inputs/logparse/logparse.h"
#include "tests/agent/inputs/logparse/samples.h"

namespace hivewatch::logparse {
namespace {

// Feeds every line, then flushes: the records in order.
std::vector<std::string> Assemble(MultilineAssembler::Options options,
                                  const std::vector<std::string>& lines) {
  MultilineAssembler assembler(std::move(options));
  std::vector<std::string> records;
  for (const std::string& line : lines) {
    if (auto record = assembler.Add(line)) records.push_back(*record);
  }
  if (auto record = assembler.Flush()) records.push_back(*record);
  CHECK(!assembler.has_pending());
  return records;
}

std::string Join(const std::vector<std::string>& lines, size_t from, size_t to) {
  std::string s;
  for (size_t i = from; i < to; ++i) s += (i > from ? "\n" : "") + lines[i];
  return s;
}

const std::vector<std::string> kJava = {
    "2025-11-23 12:00:00,001 INFO [main] com.example.App: starting",
    "2025-11-23 12:00:01,002 ERROR [main] com.example.App: request failed",
    "java.lang.IllegalStateException: connection pool exhausted",
    "\tat com.example.db.Pool.borrow(Pool.java:88)",
    "\tat com.example.App.handle(App.java:42)",
    "Caused by: java.net.SocketTimeoutException: connect timed out",
    "\tat java.base/java.net.PlainSocketImpl.connect(PlainSocketImpl.java:101)",
    "\t... 2 more",
    "2025-11-23 12:00:02,003 INFO [main] com.example.App: retrying",
    "Exception in thread \"main\" java.lang.NullPointerException: name",
    "\tat com.example.App.main(App.java:10)",
    "2025-11-23 12:00:03,004 INFO [main] com.example.App: bye",
};

TEST_CASE("Java stack traces join the line that reports them", "[logparse][multiline]") {
  auto records = Assemble({}, kJava);
  REQUIRE(records.size() == 5);
  CHECK(records[0] == kJava[0]);
  CHECK(records[1] == Join(kJava, 1, 8));
  CHECK(records[2] == kJava[8]);
  CHECK(records[3] == Join(kJava, 9, 11));  // "Exception in thread" starts its own record
  CHECK(records[4] == kJava[11]);
  // The assembled record still parses as the line that starts it.
  LogRecord r = ParseLine(records[1], 0, 0);
  CHECK(r.level == Level::kError);
  CHECK(r.message == records[1]);
  CHECK(r.ts_ms == 1763899201002);  // 2025-11-23T12:00:01.002Z
  // Only the record's first line decides: a level word in the trace does not.
  r = ParseLine("2025-11-23 12:00:01 request failed\nERROR in frame\n[error] x", 0, 0);
  CHECK(r.level == Level::kInfo);
  CHECK(!DetectLevel("request failed\nERROR in frame"));
  CHECK(!ExtractTimestampMs("request failed\n[10/Oct/2000:13:55:36 -0700]", 0));
}

const std::vector<std::string> kPython = {
    "2025-11-23 12:00:00,001 ERROR app: handler failed",
    "Traceback (most recent call last):",
    "  File \"/srv/app.py\", line 12, in handle",
    "    1 / 0",
    "ZeroDivisionError: division by zero",
    "",
    "During handling of the above exception, another exception occurred:",
    "",
    "Traceback (most recent call last):",
    "  File \"/srv/app.py\", line 14, in handle",
    "    raise ValueError(\"bad input\")",
    "ValueError: bad input",
    "2025-11-23 12:00:01,002 INFO app: next request",
    "Traceback (most recent call last):",
    "  File \"<stdin>\", line 1, in <module>",
    "KeyboardInterrupt",
    "2025-11-23 12:00:02,003 INFO app: done",
};

TEST_CASE("Python tracebacks, chained ones included, are one record", "[logparse][multiline]") {
  auto records = Assemble({}, kPython);
  REQUIRE(records.size() == 3);
  CHECK(records[0] == Join(kPython, 0, 12));
  CHECK(records[1] == Join(kPython, 12, 16));
  CHECK(records[2] == kPython[16]);
  // Outside a traceback, "Name: text" lines are ordinary lines.
  records = Assemble({}, {"ValueError: not in a traceback", "Status: ok", "", "x"});
  CHECK(records.size() == 4);
}

TEST_CASE("a start pattern decides where records begin", "[logparse][multiline]") {
  MultilineAssembler::Options by_timestamp;
  by_timestamp.start = std::regex(R"(^\d{4}-\d\d-\d\d )");
  auto records = Assemble(by_timestamp, kPython);
  REQUIRE(records.size() == 3);
  CHECK(records[0] == Join(kPython, 0, 12));
  CHECK(records[1] == Join(kPython, 12, 16));
  CHECK(records[2] == kPython[16]);

  // ^\S: every line that does not start with whitespace starts a record, so the exception
  // line and "Caused by:" are records of their own.
  MultilineAssembler::Options non_space;
  non_space.start = std::regex(R"(^\S)");
  records = Assemble(non_space, kJava);
  REQUIRE(records.size() == 7);
  CHECK(records[2] == Join(kJava, 2, 5));
  CHECK(records[3] == Join(kJava, 5, 8));

  // Lines before the first start line form a record of their own.
  records = Assemble(by_timestamp, {"  orphan", "\tstill orphan", "2025-11-23 12:00:00 x"});
  CHECK(records == std::vector<std::string>{"  orphan\n\tstill orphan", "2025-11-23 12:00:00 x"});
}

TEST_CASE("max_lines and max_bytes bound a record", "[logparse][multiline]") {
  std::vector<std::string> trace = {"ERROR boom"};
  for (int i = 0; i < 10; ++i) trace.push_back("\tat frame" + std::to_string(i));

  MultilineAssembler::Options lines4;
  lines4.max_lines = 4;
  auto records = Assemble(lines4, trace);
  REQUIRE(records.size() == 3);  // 4 + 4 + 3 lines
  CHECK(records[0] == Join(trace, 0, 4));
  CHECK(records[1] == Join(trace, 4, 8));
  CHECK(records[2] == Join(trace, 8, 11));

  MultilineAssembler::Options bytes;
  bytes.max_bytes = 40;  // "ERROR boom" (10) + 2 × "\n\tat frameN" (11 each) = 32; a third is 43
  records = Assemble(bytes, trace);
  REQUIRE(records.size() == 4);
  CHECK(records[0] == Join(trace, 0, 3));
  for (const std::string& r : records) CHECK(r.size() <= 40);

  // A single line longer than max_bytes is a record by itself, not dropped.
  bytes.max_bytes = 5;
  records = Assemble(bytes, {"0123456789", "\tx", "y"});
  CHECK(records == std::vector<std::string>{"0123456789", "\tx", "y"});
}

TEST_CASE("single-line real samples stay one record per line", "[logparse][multiline]") {
  for (const char* file : {"Linux_2k.log", "OpenSSH_2k.log", "HDFS_2k.log", "Hadoop_2k.log"}) {
    INFO(file);
    const std::vector<std::string> lines = testing::SampleLines(file);
    CHECK(Assemble({}, lines) == lines);
  }
}

TEST_CASE("Add returns a record only when the next one starts, Flush returns the last",
          "[logparse][multiline]") {
  MultilineAssembler assembler({});
  CHECK(!assembler.has_pending());
  CHECK(!assembler.Flush());
  CHECK(!assembler.Add("first"));
  CHECK(assembler.has_pending());
  CHECK(!assembler.Add("  more"));
  auto done = assembler.Add("second");
  REQUIRE(done);
  CHECK(*done == "first\n  more");
  auto last = assembler.Flush();
  REQUIRE(last);
  CHECK(*last == "second");
  CHECK(!assembler.has_pending());
  CHECK(!assembler.Flush());
  // After an idle flush a continuation line has nothing to continue: it starts a record.
  CHECK(!assembler.Add("\tat late.frame(X.java:1)"));
  CHECK(*assembler.Flush() == "\tat late.frame(X.java:1)");
}

}  // namespace
}  // namespace hivewatch::logparse
