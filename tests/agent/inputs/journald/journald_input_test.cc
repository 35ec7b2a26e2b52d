// JournaldInput on real journal files: journal export format written here is turned into
// .journal files by systemd-journal-remote (as a log server would receive it) and read with
// `directory`. Covers the mapping, the units filter, resuming from cursors (valid, excluded by a
// changed filter, invalid, foreign) and entries written while the input runs.
#include "agent/inputs/journald/journald_input.h"

#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include <catch2/catch.hpp>

#include "tests/agent/inputs/collecting_sink.h"
#include "tests/support/process.h"

namespace hivewatch {
namespace {

using testing::CollectingSink;
using testing::TempDir;
using testing::WaitFor;

constexpr const char* kJournalRemote = "/lib/systemd/systemd-journal-remote";
constexpr uint64_t kBaseUsec = 1700000000000000;  // 2023-11-14T22:13:20Z

struct Entry {
  uint64_t realtime_usec = 0;
  std::vector<std::pair<std::string, std::string>> fields;
};

// One entry per call: MESSAGE "message <n>", realtime kBaseUsec + n seconds.
Entry Msg(int n, const std::string& unit = "app.service", const std::string& identifier = "app",
          int priority = 6) {
  Entry e;
  e.realtime_usec = kBaseUsec + static_cast<uint64_t>(n) * 1000000;
  e.fields = {{"MESSAGE", "message " + std::to_string(n)}, {"PRIORITY", std::to_string(priority)}};
  if (!unit.empty()) e.fields.emplace_back("_SYSTEMD_UNIT", unit);
  if (!identifier.empty()) e.fields.emplace_back("SYSLOG_IDENTIFIER", identifier);
  return e;
}

std::vector<Entry> Msgs(int from, int to) {
  std::vector<Entry> out;
  for (int n = from; n <= to; ++n) out.push_back(Msg(n));
  return out;
}

// Journal export format (https://systemd.io/JOURNAL_EXPORT_FORMATS/): text fields as NAME=value,
// values with a newline or other control bytes in the binary form (NAME, LF, 64-bit LE length,
// data, LF).
std::string ExportFormat(const std::vector<Entry>& entries) {
  std::string out;
  for (const Entry& e : entries) {
    out += "__REALTIME_TIMESTAMP=" + std::to_string(e.realtime_usec) + "\n";
    out += "__MONOTONIC_TIMESTAMP=" + std::to_string(e.realtime_usec - kBaseUsec + 1000) + "\n";
    out += "_BOOT_ID=8f2c1a3b4d5e6f708192a3b4c5d6e7f8\n";
    for (const auto& [name, value] : e.fields) {
      bool binary = false;
      for (unsigned char c : value) binary = binary || c < 0x20;
      if (!binary) {
        out += name + "=" + value + "\n";
        continue;
      }
      out += name + "\n";
      uint64_t n = value.size();
      for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>((n >> (8 * i)) & 0xff));
      out += value + "\n";
    }
    out += "\n";
  }
  return out;
}

// Appends `entries` to the journal file at `path` (created when missing), as a log server
// running systemd-journal-remote would.
void WriteJournal(const std::string& path, const std::vector<Entry>& entries) {
  testing::CommandResult r =
      testing::RunCommand({kJournalRemote, "--output=" + path, "-"}, {}, ExportFormat(entries));
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
}

std::vector<std::string> Messages(const std::vector<LogRecord>& records) {
  std::vector<std::string> out;
  for (const auto& r : records) out.push_back(r.message);
  return out;
}

std::vector<std::string> MessageRange(int from, int to) {
  std::vector<std::string> out;
  for (int n = from; n <= to; ++n) out.push_back("message " + std::to_string(n));
  return out;
}

std::vector<LogRecord> WaitForRecords(const CollectingSink& sink, size_t n) {
  bool arrived = WaitFor([&] { return sink.size() >= n; }, std::chrono::seconds(20));
  INFO("records: " << sink.size() << " of " << n);
  REQUIRE(arrived);
  return sink.records();
}

JournaldInputConfig DirConfig(const std::string& dir) {
  JournaldInputConfig config;
  config.directory = dir;
  return config;
}

// Captures what the inputs log while alive (the default logger is restored afterwards).
class LogCapture {
 public:
  LogCapture() : previous_(spdlog::default_logger()) {
    auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(out_);
    spdlog::set_default_logger(std::make_shared<spdlog::logger>("capture", sink));
  }
  ~LogCapture() { spdlog::set_default_logger(previous_); }
  std::string text() {
    spdlog::default_logger()->flush();
    return out_.str();
  }

 private:
  std::shared_ptr<spdlog::logger> previous_;
  std::ostringstream out_;
};

TEST_CASE("entries of a real journal file become records: fields, levels, services, cursor",
          "[journald][input]") {
  TempDir dir;
  Entry binary;
  binary.realtime_usec = kBaseUsec + 5000000;
  binary.fields = {{"MESSAGE", "first line\nsecond line \xff\xfe"},
                   {"PRIORITY", "3"},
                   {"SYSLOG_IDENTIFIER", "kernel"}};
  Entry only_comm;
  only_comm.realtime_usec = kBaseUsec + 6000000;
  only_comm.fields = {{"MESSAGE", "from a process"}, {"_COMM", "cron"}, {"_PID", "812"}};
  WriteJournal(dir.path() + "/remote.journal",
               {Msg(1, "nginx.service", "nginx", 4), Msg(2, "db.service", "", 7), Msg(3, "", "", 0),
                binary, only_comm});

  CollectingSink sink;
  JournaldInputConfig config = DirConfig(dir.path());
  config.fields = {"_SYSTEMD_UNIT", "_PID", "_BOOT_ID"};
  JournaldInput input(config);
  REQUIRE(input.Start({}, &sink).ok());
  auto records = WaitForRecords(sink, 5);
  input.Stop();
  REQUIRE(records.size() == 5);
  CHECK(std::string(input.Name()) == "journald");

  CHECK(records[0].ts_ms == 1700000001000);
  CHECK(records[0].service == "nginx");
  CHECK(records[0].level == Level::kWarning);
  CHECK(records[0].message == "message 1");
  CHECK(records[0].fields ==
        Labels{{"systemd_unit", "nginx.service"}, {"boot_id", "8f2c1a3b4d5e6f708192a3b4c5d6e7f8"}});
  CHECK(records[1].service == "db.service");
  CHECK(records[1].level == Level::kDebug);
  CHECK(records[2].service == "journald");
  CHECK(records[2].level == Level::kCritical);
  CHECK(records[3].service == "kernel");
  CHECK(records[3].level == Level::kError);
  CHECK(records[3].message == "first line\nsecond line \xEF\xBF\xBD\xEF\xBF\xBD");
  CHECK(records[3].ts_ms == 1700000005000);
  CHECK(records[4].service == "cron");
  CHECK(records[4].level == Level::kInfo);
  CHECK(records[4].fields.at("pid") == "812");

  // Every Emit names the journal; the last position is the cursor of the last entry, the one
  // journalctl reports for it.
  const std::string key = "journald:" + dir.path();
  for (const std::string& k : sink.keys()) CHECK(k == key);
  testing::CommandResult last = testing::RunCommand(
      {"journalctl", "--directory=" + dir.path(), "-n", "1", "--show-cursor", "-q", "-o", "cat"});
  if (last.exit_code == 0) {  // journalctl is there wherever systemd is
    CHECK_THAT(last.out, Catch::Contains("-- cursor: " + sink.checkpoints().at(key)));
  }
  CHECK(JournaldCheckpointKey(JournaldInputConfig{}) == "journald:system");
}

TEST_CASE("the units filter keeps only the listed units", "[journald][input]") {
  TempDir dir;
  WriteJournal(dir.path() + "/a.journal",
               {Msg(1, "app.service"), Msg(2, "db.service"), Msg(3, "web.service"),
                Msg(4, "app.service"), Msg(5, "cron.service"), Msg(6, "web.service")});
  CollectingSink sink;
  JournaldInputConfig config = DirConfig(dir.path());
  config.units = {"app.service", "web"};  // "web" means web.service
  JournaldInput input(config);
  REQUIRE(input.Start({}, &sink).ok());
  WaitForRecords(sink, 4);
  // An entry past all of them marks the end: once it is here, nothing else can still come.
  WriteJournal(dir.path() + "/a.journal", {Msg(7, "db.service"), Msg(8, "app.service")});
  auto records = WaitForRecords(sink, 5);
  CHECK(Messages(records) ==
        std::vector<std::string>{"message 1", "message 3", "message 4", "message 6", "message 8"});
}

TEST_CASE(
    "resuming from a delivered cursor continues right after it: nothing twice, nothing "
    "lost",
    "[journald][input]") {
  TempDir dir;
  const std::string file = dir.path() + "/a.journal";
  WriteJournal(file, Msgs(1, 10));
  JournaldInputConfig config = DirConfig(dir.path());
  config.max_batch_entries = 4;
  const std::string key = JournaldCheckpointKey(config);

  CollectingSink first;
  {
    JournaldInput input(config);
    REQUIRE(input.Start({}, &first).ok());
    WaitForRecords(first, 10);
  }
  CHECK(Messages(first.records()) == MessageRange(1, 10));
  auto history = first.history();
  REQUIRE(history.size() == 3);  // batches of 4, 4, 2
  CHECK(history[0].first == 4);

  SECTION("from the middle: only the entries after the first batch") {
    CollectingSink second;
    JournaldInput input(config);
    REQUIRE(
        input.Start({{key, history[0].second}, {"file:/var/log/other.log", "x"}}, &second).ok());
    auto records = WaitForRecords(second, 6);
    WriteJournal(file, {Msg(11)});
    records = WaitForRecords(second, 7);
    CHECK(Messages(records) == MessageRange(5, 11));
  }
  SECTION("from the end: only what is written afterwards") {
    CollectingSink second;
    JournaldInput input(config);
    REQUIRE(input.Start({{key, history.back().second}}, &second).ok());
    WriteJournal(file, {Msg(11), Msg(12)});
    auto records = WaitForRecords(second, 2);
    CHECK(Messages(records) == MessageRange(11, 12));
  }
  SECTION("after the units filter changed to exclude the cursor's entry: after it, not before") {
    CollectingSink second;
    JournaldInputConfig filtered = config;
    filtered.units = {"app.service"};
    WriteJournal(file, {Msg(11, "db.service"), Msg(12, "app.service")});
    // The cursor of message 11, which the new filter excludes.
    CollectingSink all;
    JournaldInputConfig one_by_one = config;
    one_by_one.max_batch_entries = 1;
    {
      JournaldInput input(one_by_one);
      REQUIRE(input.Start({}, &all).ok());
      WaitForRecords(all, 12);
    }
    const std::string cursor_of_11 = all.history()[10].second;
    JournaldInput input(filtered);
    REQUIRE(input.Start({{key, cursor_of_11}}, &second).ok());
    auto records = WaitForRecords(second, 1);
    WriteJournal(file, {Msg(13, "app.service")});
    records = WaitForRecords(second, 2);
    CHECK(Messages(records) == MessageRange(12, 13));
  }
}

TEST_CASE("an invalid or foreign cursor: a warning, then everything from the oldest entry",
          "[journald][input]") {
  TempDir dir, other;
  WriteJournal(dir.path() + "/a.journal", Msgs(1, 3));
  // A cursor of another journal (its own sequence number id): as after a vacuum or on a new
  // machine.
  WriteJournal(other.path() + "/b.journal", Msgs(1, 9));
  CollectingSink other_sink;
  {
    JournaldInput input(DirConfig(other.path()));
    REQUIRE(input.Start({}, &other_sink).ok());
    WaitForRecords(other_sink, 9);
  }
  const std::string foreign = other_sink.checkpoints().begin()->second;
  const std::string key = "journald:" + dir.path();

  for (const std::string& cursor : {std::string("not a cursor"), foreign}) {
    INFO(cursor);
    LogCapture log;
    CollectingSink sink;
    JournaldInput input(DirConfig(dir.path()));
    REQUIRE(input.Start({{key, cursor}}, &sink).ok());
    auto records = WaitForRecords(sink, 3);
    CHECK(Messages(records) == MessageRange(1, 3));
    CHECK_THAT(log.text(),
               Catch::Contains("[warning] journald: the checkpoint cursor " + cursor +
                               " is not in the journal directory " + dir.path() +
                               " (vacuumed, rotated away or from another machine); starting at "
                               "its oldest entry"));
  }
}

TEST_CASE(
    "entries written while the input runs are picked up: appended to the same file, in a "
    "new file, into a directory that was empty",
    "[journald][input]") {
  TempDir dir;
  CollectingSink sink;
  JournaldInput input(DirConfig(dir.path()));
  REQUIRE(input.Start({}, &sink).ok());  // no journal file yet
  WriteJournal(dir.path() + "/a.journal", Msgs(1, 2));
  WaitForRecords(sink, 2);
  WriteJournal(dir.path() + "/a.journal", Msgs(3, 5));  // same file, appended
  WaitForRecords(sink, 5);
  WriteJournal(dir.path() + "/b.journal", Msgs(6, 7));  // a second file
  auto records = WaitForRecords(sink, 7);
  CHECK(Messages(records) == MessageRange(1, 7));
  // The last position resumes after message 7.
  input.Stop();
  CollectingSink again;
  JournaldInput restarted(DirConfig(dir.path()));
  REQUIRE(restarted.Start(sink.checkpoints(), &again).ok());
  WriteJournal(dir.path() + "/b.journal", {Msg(8)});
  CHECK(Messages(WaitForRecords(again, 1)) == MessageRange(8, 8));
}

TEST_CASE("start_at = end skips what is there on the very first run", "[journald][input]") {
  TempDir dir;
  WriteJournal(dir.path() + "/a.journal", Msgs(1, 3));
  CollectingSink sink;
  JournaldInputConfig config = DirConfig(dir.path());
  config.start_at = "end";
  JournaldInput input(config);
  REQUIRE(input.Start({}, &sink).ok());
  WriteJournal(dir.path() + "/a.journal", Msgs(4, 5));
  CHECK(Messages(WaitForRecords(sink, 2)) == MessageRange(4, 5));
}

TEST_CASE("the system journal opens (with no systemd running it may have no files)",
          "[journald][input]") {
  CollectingSink sink;
  JournaldInputConfig config;
  config.start_at = "end";  // whatever this machine has logged is not the test's business
  JournaldInput input(config);
  Status s = input.Start({}, &sink);
  CHECK(s.ok());
  input.Stop();
}

TEST_CASE("Start fails clearly on a bad configuration or a missing directory",
          "[journald][input]") {
  CollectingSink sink;
  TempDir dir;
  JournaldInput missing(DirConfig(dir.path() + "/nope"));
  CHECK(missing.Start({}, &sink).message() == "journald: cannot open journal directory " +
                                                  dir.path() + "/nope: No such file or directory");

  auto error = [](JournaldInputConfig c) { return ValidateJournaldInputConfig(c).message(); };
  JournaldInputConfig c;
  CHECK(ValidateJournaldInputConfig(c).ok());
  c.start_at = "middle";
  CHECK(error(c) == "inputs.journald.start_at: must be \"beginning\" or \"end\", got \"middle\"");
  c.start_at = "end";
  c.fields = {"_PID", "pid"};
  CHECK(error(c) ==
        "inputs.journald.fields[1]: 'pid' is not a journal field name (upper-case letters, "
        "digits and _, e.g. \"_PID\")");
  c.fields = std::vector<std::string>(32, "_PID");
  CHECK(error(c) == "inputs.journald.fields: at most 31 names, got 32");
  c.fields = {};
  c.units = {"ok.service", ""};
  CHECK(error(c) == "inputs.journald.units[1]: must not be empty");
  c.units = {};
  c.max_batch_entries = 0;
  CHECK(error(c) == "inputs.journald.max_batch_entries: must be at least 1");
  JournaldInputConfig bad = DirConfig(dir.path());
  bad.start_at = "now";
  CHECK_FALSE(JournaldInput(bad).Start({}, &sink).ok());
}

TEST_CASE("once the sink refuses, the reader stops, and Stop returns and is idempotent",
          "[journald][input]") {
  TempDir dir;
  WriteJournal(dir.path() + "/a.journal", Msgs(1, 3));
  CollectingSink sink;
  sink.Refuse();
  JournaldInput input(DirConfig(dir.path()));
  REQUIRE(input.Start({}, &sink).ok());
  REQUIRE(WaitFor([&] { return sink.calls() == 1; }));
  WriteJournal(dir.path() + "/a.journal", Msgs(4, 5));
  input.Stop();
  input.Stop();
  CHECK(sink.calls() == 1);
  CHECK(sink.checkpoints().empty());
}

}  // namespace
}  // namespace hivewatch
