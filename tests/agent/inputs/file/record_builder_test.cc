#include "agent/inputs/file/record_builder.h"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

namespace hivewatch {
namespace {

RecordOptions Options() {
  RecordOptions o;
  o.service = "svc";
  o.path_field = "file";
  o.path_value = "/var/log/app.log";
  o.max_line_bytes = 16;
  return o;
}

std::vector<std::string> Messages(const std::vector<LogRecord>& records) {
  std::vector<std::string> out;
  for (const LogRecord& r : records) out.push_back(r.message);
  return out;
}

bool Truncated(const LogRecord& r) {
  auto it = r.fields.find("hw_truncated");
  return it != r.fields.end() && it->second == "true";
}

TEST_CASE("RecordBuilder gives out complete lines and stops the checkpoint before a partial one",
          "[file][records]") {
  RecordBuilder b(Options(), 100);
  std::vector<LogRecord> out;
  b.Consume("one\ntwo\r\nthr", 0, 0, &out);
  CHECK(Messages(out) == std::vector<std::string>{"one", "two"});
  CHECK(b.committed() == 100 + 9);
  CHECK(b.next_offset() == 100 + 12);
  CHECK(out[0].service == "svc");
  CHECK(out[0].fields.at("file") == "/var/log/app.log");
  out.clear();
  b.Consume("ee\n\nfour\n", 0, 0, &out);  // the empty line carries nothing
  CHECK(Messages(out) == std::vector<std::string>{"three", "four"});
  CHECK(b.committed() == 100 + 21);
  CHECK(b.committed() == b.next_offset());
}

TEST_CASE("RecordBuilder splits long lines into marked pieces, also before their end arrives",
          "[file][records]") {
  RecordBuilder b(Options(), 0);
  std::vector<LogRecord> out;
  std::string line = "0123456789abcdefghijklmnopqrstuvwxyz";  // 36 bytes, max 16
  b.Consume(line + "\nshort\n", 0, 0, &out);
  REQUIRE(Messages(out) ==
          std::vector<std::string>{"0123456789abcdef", "ghijklmnopqrstuv", "wxyz", "short"});
  CHECK(Truncated(out[0]));
  CHECK(Truncated(out[1]));
  CHECK_FALSE(Truncated(out[2]));
  CHECK_FALSE(Truncated(out[3]));

  // A line still being written: its head goes out once it passes the limit, marked, and the
  // checkpoint moves past it so memory stays bounded.
  out.clear();
  uint64_t start = b.next_offset();
  b.Consume("ABCDEFGHIJKLMNOPQRSTUVWXYZ", 0, 0, &out);  // 26 bytes, no '\n'
  REQUIRE(Messages(out) == std::vector<std::string>{"ABCDEFGHIJKLMNOP"});
  CHECK(Truncated(out[0]));
  CHECK(b.committed() == start + 16);
  out.clear();
  b.Consume("!\n", 0, 0, &out);
  REQUIRE(Messages(out) == std::vector<std::string>{"QRSTUVWXYZ!"});
  CHECK_FALSE(Truncated(out[0]));
  CHECK(b.committed() == start + 28);
}

TEST_CASE("RecordBuilder never cuts a UTF-8 sequence and repairs invalid bytes",
          "[file][records]") {
  RecordBuilder b(Options(), 0);
  std::vector<LogRecord> out;
  // 15 ASCII bytes then 'é' (2 bytes): the cut falls before the 'é', not inside it.
  b.Consume("abcdefghijklmno\xC3\xA9xyz\nbad \xFF byte\n", 0, 0, &out);
  REQUIRE(out.size() == 3);
  CHECK(out[0].message == "abcdefghijklmno");
  CHECK(out[1].message == "\xC3\xA9xyz");
  CHECK(out[2].message == "bad \xEF\xBF\xBD byte");
}

TEST_CASE("RecordBuilder keeps the checkpoint at the start of a pending multi-line record",
          "[file][records][multiline]") {
  RecordOptions o = Options();
  o.max_line_bytes = 1024;
  o.multiline_start.emplace("^\\d{4}-", std::regex::ECMAScript);
  RecordBuilder b(o, 0);
  std::vector<LogRecord> out;
  std::string first = "2024-01-01 boom\n";
  std::string trace = "  at a.b(C.java:1)\n  at d.e(F.java:2)\n";
  b.Consume(first + trace, 0, 0, &out);
  CHECK(out.empty());
  CHECK(b.has_pending());
  CHECK(b.committed() == 0);
  b.Consume("2024-01-01 next\n", 0, 0, &out);
  REQUIRE(out.size() == 1);
  CHECK(out[0].message == "2024-01-01 boom\n  at a.b(C.java:1)\n  at d.e(F.java:2)");
  CHECK(b.committed() == first.size() + trace.size());  // the start of "next"
  out.clear();
  CHECK(b.FlushPending(0, 0, &out));
  REQUIRE(out.size() == 1);
  CHECK(out[0].message == "2024-01-01 next");
  CHECK(b.committed() == b.next_offset());
}

TEST_CASE("RecordBuilder's indentation rule joins a chained Python traceback, blank lines too",
          "[file][records][multiline]") {
  RecordOptions o = Options();
  o.max_line_bytes = 4096;
  o.multiline_indent = true;
  RecordBuilder b(o, 0);
  std::vector<LogRecord> out;
  std::string traceback =
      "Traceback (most recent call last):\n"
      "  File \"app.py\", line 3, in <module>\n"
      "ValueError: bad\n"
      "\n"
      "During handling of the above exception, another exception occurred:\n"
      "\n"
      "Traceback (most recent call last):\n"
      "  File \"app.py\", line 5, in <module>\n"
      "KeyError: 'x'\n";
  b.Consume("2024-01-01 12:00:00 ERROR request failed\n" + traceback + "2024-01-01 next\n", 0, 0,
            &out);
  // The traceback belongs to the log line that reports it.
  REQUIRE(Messages(out).size() == 1);
  CHECK(out[0].message ==
        "2024-01-01 12:00:00 ERROR request failed\n" + traceback.substr(0, traceback.size() - 1));
  CHECK(out[0].level == Level::kError);
  CHECK(b.has_pending());  // "2024-01-01 next" may still get continuation lines
}

TEST_CASE("RecordBuilder FlushAll gives out a last line without a newline", "[file][records]") {
  RecordBuilder b(Options(), 0);
  std::vector<LogRecord> out;
  b.Consume("done\npartial", 0, 0, &out);
  CHECK(Messages(out) == std::vector<std::string>{"done"});
  b.FlushAll(0, 0, &out);
  CHECK(Messages(out) == std::vector<std::string>{"done", "partial"});
  CHECK(b.committed() == 12);
}

}  // namespace
}  // namespace hivewatch
