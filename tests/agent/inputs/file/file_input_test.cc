#include "agent/inputs/file/file_input.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "agent/inputs/file/file_position.h"
#include "tests/agent/inputs/file/recording_sink.h"
#include "tests/support/process.h"
#include "tests/support/temp_dir.h"

namespace hivewatch {
namespace {

namespace fs = std::filesystem;
using testing::Append;
using testing::LineList;
using testing::Lines;
using testing::RecordingSink;
using testing::TempDir;
using testing::TestConfig;
using testing::WaitFor;
using testing::WaitForCount;

FileId IdOfPath(const std::string& path) {
  struct stat st;
  REQUIRE(::stat(path.c_str(), &st) == 0);
  return FileId{static_cast<uint64_t>(st.st_dev), static_cast<uint64_t>(st.st_ino)};
}

FilePosition PositionOf(const RecordingSink& sink, const std::string& path) {
  Checkpoints c = sink.checkpoints();
  auto it = c.find(CheckpointKey(IdOfPath(path)));
  REQUIRE(it != c.end());
  Result<FilePosition> p = DecodePosition(it->second);
  REQUIRE(p.ok());
  return *p;
}

TEST_CASE("file input reads existing and appended lines in order", "[file]") {
  TempDir dir;
  std::string path = dir.path() + "/app.log";
  Append(path, Lines(0, 3));
  RecordingSink sink;
  FileInputConfig config = TestConfig(dir.path() + "/*.log");
  config.service = "";  // default: the file name up to its first '.'
  FileInput input(config);
  REQUIRE(input.Start({}, &sink).ok());
  REQUIRE(WaitForCount(sink, 3));
  Append(path, Lines(3, 10));
  REQUIRE(WaitForCount(sink, 10));
  input.Stop();
  CHECK(sink.Messages() == LineList(0, 10));
  std::vector<LogRecord> records = sink.records();
  CHECK(records[0].service == "app");
  CHECK(records[0].fields.at("file") == path);
  CHECK(PositionOf(sink, path).offset == fs::file_size(path));
  CHECK(std::string(input.Name()) == "file");
}

TEST_CASE("start_at end skips what a file held at start, beginning reads it", "[file]") {
  TempDir dir;
  std::string path = dir.path() + "/app.log";
  // The last line is still being written: "end" starts at its beginning.
  Append(path, Lines(0, 5) + "half");
  RecordingSink sink;
  FileInputConfig config = TestConfig(path);

  SECTION("end") {
    config.start_at = FileInputConfig::StartAt::kEnd;
    FileInput input(config);
    REQUIRE(input.Start({}, &sink).ok());
    REQUIRE(WaitFor([&] { return sink.checkpoints().size() == 1; }));
    Append(path, " done\n" + Lines(5, 7));
    REQUIRE(WaitForCount(sink, 3));
    input.Stop();
    CHECK(sink.Messages() == std::vector<std::string>{"half done", "line 5", "line 6"});
  }
  SECTION("beginning") {
    FileInput input(config);
    REQUIRE(input.Start({}, &sink).ok());
    REQUIRE(WaitForCount(sink, 5));
    Append(path, " done\n");
    REQUIRE(WaitForCount(sink, 6));
    input.Stop();
    std::vector<std::string> expected = LineList(0, 5);
    expected.push_back("half done");
    CHECK(sink.Messages() == expected);
  }
}

TEST_CASE("files created after the start are picked up and read from their beginning", "[file]") {
  TempDir dir;
  RecordingSink sink;
  FileInputConfig config = TestConfig(dir.path() + "/*.log");
  config.start_at = FileInputConfig::StartAt::kEnd;  // only for files there at the start
  config.paths.push_back(dir.path() + "/*.log.gz");
  config.exclude = {"*.gz", dir.path() + "/skip-*"};
  Append(dir.path() + "/old.log", Lines(0, 3, "old "));
  FileInput input(config);
  REQUIRE(input.Start({}, &sink).ok());
  REQUIRE(WaitFor([&] { return sink.checkpoints().size() == 1; }));
  Append(dir.path() + "/new.log", Lines(0, 3, "new "));
  Append(dir.path() + "/skip-me.log", Lines(0, 3, "skipped "));
  Append(dir.path() + "/other.txt", Lines(0, 3, "not matched "));
  Append(dir.path() + "/rotated.log.gz", Lines(0, 3, "compressed "));
  Append(dir.path() + "/new2.log", Lines(0, 2, "newer "));
  REQUIRE(WaitForCount(sink, 5));
  Append(dir.path() + "/old.log", Lines(3, 4, "old "));
  REQUIRE(WaitForCount(sink, 6));
  input.Stop();
  CHECK(sink.MessagesOf(dir.path() + "/new.log") == LineList(0, 3, "new "));
  CHECK(sink.MessagesOf(dir.path() + "/new2.log") == LineList(0, 2, "newer "));
  CHECK(sink.MessagesOf(dir.path() + "/old.log") == LineList(3, 4, "old "));
  CHECK(sink.size() == 6);
  CHECK(sink.checkpoints().size() == 3);
}

// A writer that appends numbered lines and rotates its file every `every` lines, as an
// application with logrotate does, keeping `keep` rotations; returns the lines it wrote.
// Before each rotation it waits until the input has read the first line of the current file
// (the one assumption: the input looks at each generation at least once), not until it has
// read everything: the input is still behind when the file is rotated.
std::vector<std::string> WriteRotating(const std::string& path, const RecordingSink& sink,
                                       int total, int every, bool copytruncate, int keep = 3) {
  std::vector<std::string> written;
  for (int i = 0; i < total; ++i) {
    std::string line = "entry " + std::to_string(i) + " " + std::string(i % 50, 'x');
    Append(path, line + "\n");
    written.push_back(line);
    if ((i + 1) % every != 0) continue;
    INFO("waiting for line " << i + 1 - every);
    REQUIRE(WaitForCount(sink, static_cast<size_t>(i + 1 - every + 1)));
    // Shift older rotations: path.1 → path.2 …; the oldest is deleted.
    for (int k = keep; k >= 1; --k) {
      std::string from = path + "." + std::to_string(k);
      if (!fs::exists(from)) continue;
      if (k == keep) {
        fs::remove(from);
      } else {
        fs::rename(from, path + "." + std::to_string(k + 1));
      }
    }
    if (copytruncate) {
      fs::copy_file(path, path + ".1");
      REQUIRE(::truncate(path.c_str(), 0) == 0);
    } else {
      fs::rename(path, path + ".1");
    }
  }
  return written;
}

TEST_CASE("rotation by rename while writing loses and repeats nothing, in order",
          "[file][rotate]") {
  TempDir dir;
  std::string path = dir.path() + "/app.log";
  RecordingSink sink;
  // Only the live name, or the rotated names too: either way each line comes out once.
  std::string pattern = GENERATE(std::string("/app.log"), std::string("/app.log*"));
  INFO("paths = " << pattern);
  FileInput input(TestConfig(dir.path() + pattern));
  REQUIRE(input.Start({}, &sink).ok());
  std::vector<std::string> written = WriteRotating(path, sink, 3000, 150, /*copytruncate=*/false);
  REQUIRE(WaitForCount(sink, written.size()));
  input.Stop();
  // All lines were written under app.log: one sequence, in the order written.
  CHECK(testing::SequenceDiff(sink.MessagesOf(path), written) == "");
  CHECK(sink.size() == written.size());
}

TEST_CASE("copytruncate while writing loses and repeats nothing, in order", "[file][rotate]") {
  TempDir dir;
  std::string path = dir.path() + "/app.log";
  RecordingSink sink;
  // The copy is found in the directory (not matched) or by the scan (matched, held back).
  std::string pattern = GENERATE(std::string("/app.log"), std::string("/app.log*"));
  INFO("paths = " << pattern);
  FileInput input(TestConfig(dir.path() + pattern));
  REQUIRE(input.Start({}, &sink).ok());
  std::vector<std::string> written = WriteRotating(path, sink, 3000, 150, /*copytruncate=*/true);
  REQUIRE(WaitForCount(sink, written.size()));
  input.Stop();
  CHECK(testing::SequenceDiff(sink.MessagesOf(path), written) == "");
  CHECK(sink.size() == written.size());
}

TEST_CASE("inotify wakes the input: new lines and a rotation are seen without polling",
          "[file][rotate]") {
  TempDir dir;
  std::string path = dir.path() + "/app.log";
  Append(path, Lines(0, 2));
  RecordingSink sink;
  FileInputConfig config = TestConfig(path);
  config.poll_interval_ms = 60000;  // longer than WaitFor's deadline
  config.scan_interval_ms = 3600000;
  FileInput input(config);
  REQUIRE(input.Start({}, &sink).ok());
  REQUIRE(WaitForCount(sink, 2));
  Append(path, Lines(2, 4));
  REQUIRE(WaitForCount(sink, 4));
  fs::rename(path, path + ".1");
  Append(path + ".1", Lines(4, 5));
  Append(path, Lines(5, 7));
  REQUIRE(WaitForCount(sink, 7));
  input.Stop();
  CHECK(sink.Messages() == LineList(0, 7));
}

TEST_CASE("a deleted file is read to its end while open, then its checkpoint is forgotten",
          "[file]") {
  TempDir dir;
  std::string path = dir.path() + "/app.log";
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  REQUIRE(fd >= 0);
  auto write_fd = [fd](const std::string& s) {
    REQUIRE(::write(fd, s.data(), s.size()) == static_cast<ssize_t>(s.size()));
  };
  write_fd(Lines(0, 3));
  RecordingSink sink;
  FileInputConfig config = TestConfig(path);
  config.rotate_wait_ms = 200;
  FileInput input(config);
  REQUIRE(input.Start({}, &sink).ok());
  REQUIRE(WaitForCount(sink, 3));
  std::string key = CheckpointKey(IdOfPath(path));
  REQUIRE(::unlink(path.c_str()) == 0);
  // The writer still has it open and goes on writing; the last line has no newline.
  write_fd(Lines(3, 6) + "last words");
  REQUIRE(WaitFor([&] { return !sink.forgotten().empty(); }));
  ::close(fd);
  input.Stop();
  std::vector<std::string> expected = LineList(0, 6);
  expected.push_back("last words");
  CHECK(sink.Messages() == expected);
  CHECK(sink.forgotten() == std::vector<std::string>{key});
  CHECK(sink.checkpoints().empty());
}

TEST_CASE("a checkpoint whose fingerprint does not match the file is not applied", "[file]") {
  TempDir dir;
  std::string path = dir.path() + "/app.log";
  Append(path, Lines(0, 20, "new file "));
  // The checkpoint of an earlier file that had the same inode (e.g. deleted while the agent was
  // down): different first bytes, an offset in the middle.
  FilePosition old;
  old.path = path;
  old.name = path;
  old.offset = 50;
  old.fp = ComputeFingerprint("a completely different beginning\n");
  std::string key = CheckpointKey(IdOfPath(path));
  RecordingSink sink;
  FileInputConfig config = TestConfig(path);
  config.start_at = FileInputConfig::StartAt::kEnd;
  FileInput input(config);
  REQUIRE(input.Start({{key, EncodePosition(old)}}, &sink).ok());
  REQUIRE(WaitForCount(sink, 20));  // from 0, although start_at = end
  input.Stop();
  CHECK(sink.Messages() == LineList(0, 20, "new file "));
  CHECK(PositionOf(sink, path).fp == ComputeFingerprint(Lines(0, 20, "new file ")));
}

TEST_CASE("inode reuse with different content is read as a new file", "[file]") {
  TempDir dir;
  std::string path = dir.path() + "/app.log";
  Append(path, Lines(0, 10, "first file "));
  RecordingSink sink;
  FileInputConfig config = TestConfig(path);
  config.start_at = FileInputConfig::StartAt::kEnd;
  {
    FileInput input(config);
    REQUIRE(input.Start({}, &sink).ok());
    REQUIRE(WaitFor([&] { return sink.checkpoints().size() == 1; }));
  }
  FileId before = IdOfPath(path);
  // Replace the file until the file system hands out the same inode again (ext4 and tmpfs
  // usually do at once); a different inode is read from the beginning as well.
  for (int attempt = 0; attempt < 20; ++attempt) {
    fs::remove(path);
    Append(path, Lines(0, 4, "second file "));
    if (IdOfPath(path) == before) break;
  }
  INFO("same inode: " << (IdOfPath(path) == before));
  FileInput input(config);
  REQUIRE(input.Start(sink.checkpoints(), &sink).ok());
  REQUIRE(WaitForCount(sink, 4));
  input.Stop();
  CHECK(sink.Messages() == LineList(0, 4, "second file "));
}

TEST_CASE("a new input resumes exactly from the last emitted positions", "[file][resume]") {
  TempDir dir;
  std::string a = dir.path() + "/a.log";
  std::string b = dir.path() + "/b.log";
  Append(a, Lines(0, 100, "a "));
  Append(b, Lines(0, 50, "b ") + "b partial");
  RecordingSink sink;
  FileInputConfig config = TestConfig(dir.path() + "/*.log");
  config.multiline_indent = true;  // "a 99" and "b 49" stay pending across the restart
  config.multiline_timeout_ms = 60000;
  {
    FileInput input(config);
    REQUIRE(input.Start({}, &sink).ok());
    REQUIRE(WaitForCount(sink, 99 + 49));
    input.Stop();
  }
  CHECK(PositionOf(sink, a).offset == Lines(0, 99, "a ").size());
  CHECK(PositionOf(sink, b).offset == Lines(0, 49, "b ").size());
  // While the agent is down: a continuation of "a 99", more lines, the end of b's last line.
  Append(a, "  continued\n" + Lines(100, 120, "a "));
  Append(b, " line\n" + Lines(50, 60, "b "));
  RecordingSink second;
  config.multiline_timeout_ms = 50;
  FileInput input(config);
  REQUIRE(input.Start(sink.checkpoints(), &second).ok());
  REQUIRE(WaitForCount(second, 21 + 12));
  input.Stop();
  std::vector<std::string> all_a = sink.MessagesOf(a);
  for (const std::string& m : second.MessagesOf(a)) all_a.push_back(m);
  std::vector<std::string> expected_a = LineList(0, 99, "a ");
  expected_a.push_back("a 99\n  continued");
  for (const std::string& l : LineList(100, 120, "a ")) expected_a.push_back(l);
  CHECK(all_a == expected_a);
  std::vector<std::string> all_b = sink.MessagesOf(b);
  for (const std::string& m : second.MessagesOf(b)) all_b.push_back(m);
  std::vector<std::string> expected_b = LineList(0, 50, "b ");
  expected_b.push_back("b partial line");
  for (const std::string& l : LineList(50, 60, "b ")) expected_b.push_back(l);
  CHECK(all_b == expected_b);
  CHECK(second.size() == 33);
}

TEST_CASE("the same input started again after Stop continues from the given positions",
          "[file][resume]") {
  TempDir dir;
  std::string path = dir.path() + "/app.log";
  Append(path, Lines(0, 10));
  RecordingSink sink;
  FileInput input(TestConfig(path));
  REQUIRE(input.Start({}, &sink).ok());
  REQUIRE(WaitForCount(sink, 10));
  input.Stop();
  input.Stop();  // idempotent
  Append(path, Lines(10, 15));
  REQUIRE(input.Start(sink.checkpoints(), &sink).ok());
  REQUIRE(WaitForCount(sink, 15));
  input.Stop();
  CHECK(sink.Messages() == LineList(0, 15));
}

TEST_CASE("stopping in the middle of a big file and resuming repeats and loses nothing",
          "[file][resume]") {
  TempDir dir;
  std::string path = dir.path() + "/big.log";
  Append(path, Lines(0, 200000, "a fairly ordinary log line number "));
  FileInputConfig config = TestConfig(path);
  config.read_bytes = 64 * 1024;
  std::vector<std::string> got;
  Checkpoints checkpoints;
  for (int run = 0; run < 20 && got.size() < 200000; ++run) {
    RecordingSink sink;
    // The agent stops after a few batches: Emit starts refusing, as the batcher does.
    int calls = run == 19 ? 1 << 30 : 3 + run;
    sink.RefuseAfter(calls);
    FileInput input(config);
    REQUIRE(input.Start(checkpoints, &sink).ok());
    REQUIRE(WaitFor([&] { return sink.calls() >= calls || got.size() + sink.size() >= 200000; }));
    input.Stop();
    for (const std::string& m : sink.Messages()) got.push_back(m);
    for (const auto& [k, v] : sink.checkpoints()) checkpoints[k] = v;
  }
  CHECK(got == LineList(0, 200000, "a fairly ordinary log line number "));
}

TEST_CASE("restart after a rename rotation while down drains the old file first",
          "[file][resume]") {
  TempDir dir;
  std::string path = dir.path() + "/app.log";
  Append(path, Lines(0, 10));
  RecordingSink sink;
  FileInputConfig config = TestConfig(path);  // the rotated name does not match
  {
    FileInput input(config);
    REQUIRE(input.Start({}, &sink).ok());
    REQUIRE(WaitForCount(sink, 10));
  }
  Append(path, Lines(10, 15));
  fs::rename(path, path + ".1");
  Append(path, Lines(15, 20));
  RecordingSink second;
  config.start_at = FileInputConfig::StartAt::kEnd;  // not for a file where one used to be
  FileInput input(config);
  REQUIRE(input.Start(sink.checkpoints(), &second).ok());
  REQUIRE(WaitForCount(second, 10));
  REQUIRE(WaitFor([&] { return second.forgotten().size() == 1; }));  // app.log.1 is done
  input.Stop();
  CHECK(second.Messages() == LineList(10, 20));
  CHECK(second.checkpoints().size() == 1);
}

TEST_CASE("restart after a copytruncate while down reads the copy's rest, then the file",
          "[file][resume]") {
  TempDir dir;
  std::string path = dir.path() + "/app.log";
  Append(path, Lines(0, 10));
  RecordingSink sink;
  FileInputConfig config = TestConfig(path);
  {
    FileInput input(config);
    REQUIRE(input.Start({}, &sink).ok());
    REQUIRE(WaitForCount(sink, 10));
  }
  Append(path, Lines(10, 15));
  fs::copy_file(path, path + ".1");
  REQUIRE(::truncate(path.c_str(), 0) == 0);
  Append(path, Lines(15, 40));  // already longer than the old offset
  RecordingSink second;
  FileInput input(config);
  REQUIRE(input.Start(sink.checkpoints(), &second).ok());
  REQUIRE(WaitForCount(second, 30));
  input.Stop();
  CHECK(second.Messages() == LineList(10, 40));
}

// Runs an input on `config` until it has read `n` records, then stops it; returns the
// positions it emitted (what a restarted agent is given back).
Checkpoints ReadAndStop(const FileInputConfig& config, size_t n) {
  RecordingSink sink;
  FileInput input(config);
  REQUIRE(input.Start({}, &sink).ok());
  REQUIRE(WaitForCount(sink, n));
  input.Stop();
  return sink.checkpoints();
}

// A new input resuming from `positions` until it has read `n` records: their messages in the
// order they arrived.
std::vector<std::string> ResumeAndRead(const FileInputConfig& config, const Checkpoints& positions,
                                       size_t n) {
  RecordingSink sink;
  FileInput input(config);
  REQUIRE(input.Start(positions, &sink).ok());
  REQUIRE(WaitForCount(sink, n));
  input.Stop();
  return sink.Messages();
}

// Several rotations while the agent is down, in every order the two kinds can come: whatever
// happened, the lines come out once each, in the order they were written.
TEST_CASE(
    "restart after a copytruncate and then a rename while down reads each line once, in order",
    "[file][resume]") {
  TempDir dir;
  std::string path = dir.path() + "/app.log";
  std::string pattern = GENERATE(std::string("/app.log"), std::string("/app.log*"));
  INFO("paths = " << pattern);
  FileInputConfig config = TestConfig(dir.path() + pattern);
  Append(path, Lines(0, 10));
  const Checkpoints positions = ReadAndStop(config, 10);
  Append(path, Lines(10, 15));
  fs::copy_file(path, path + ".1");  // copytruncate: the copy holds 0..14
  REQUIRE(::truncate(path.c_str(), 0) == 0);
  Append(path, Lines(15, 20));
  fs::rename(path, path + ".2");  // rename: the truncated file, now 15..19, moves away
  Append(path, Lines(20, 25));
  CHECK(testing::SequenceDiff(ResumeAndRead(config, positions, 15), LineList(10, 25)) == "");
}

TEST_CASE("restart after a rename and then a copytruncate of the new file while down keeps order",
          "[file][resume]") {
  TempDir dir;
  std::string path = dir.path() + "/app.log";
  FileInputConfig config = TestConfig(dir.path() + "/app.log*");
  Append(path, Lines(0, 10));
  const Checkpoints positions = ReadAndStop(config, 10);
  Append(path, Lines(10, 15));
  fs::rename(path, path + ".1");  // the checkpointed file, unread from line 10
  Append(path, Lines(15, 20));    // a new file the agent never saw
  fs::copy_file(path, path + ".2");
  REQUIRE(::truncate(path.c_str(), 0) == 0);
  Append(path, Lines(20, 25));
  CHECK(testing::SequenceDiff(ResumeAndRead(config, positions, 15), LineList(10, 25)) == "");
}

TEST_CASE("restart after a copytruncate while down reads the copy's rest when the file is gone",
          "[file][resume]") {
  TempDir dir;
  std::string path = dir.path() + "/app.log";
  FileInputConfig config = TestConfig(dir.path() + "/app.log*");
  Append(path, Lines(0, 10));
  const Checkpoints positions = ReadAndStop(config, 10);
  Append(path, Lines(10, 15));
  fs::copy_file(path, path + ".1");
  fs::remove(path);  // truncated and later deleted, or rotated out of the directory
  RecordingSink second;
  FileInput input(config);
  REQUIRE(input.Start(positions, &second).ok());
  REQUIRE(WaitForCount(second, 5));
  Append(path, Lines(15, 20));  // the application starts a new file
  REQUIRE(WaitForCount(second, 10));
  input.Stop();
  CHECK(testing::SequenceDiff(second.Messages(), LineList(10, 20)) == "");
}

TEST_CASE("a copy with its own checkpoint is resumed from it, not taken as the rest of another",
          "[file][resume]") {
  TempDir dir;
  std::string path = dir.path() + "/app.log";
  FileInputConfig config = TestConfig(dir.path() + "/app.log*");
  Append(path, Lines(0, 10));
  RecordingSink sink;
  Checkpoints before;  // app.log's position before the copytruncate
  {
    FileInput input(config);
    REQUIRE(input.Start({}, &sink).ok());
    REQUIRE(WaitForCount(sink, 10));
    before = sink.checkpoints();
    Append(path, Lines(10, 15));
    REQUIRE(WaitForCount(sink, 15));
    fs::copy_file(path, path + ".1");
    REQUIRE(::truncate(path.c_str(), 0) == 0);
    REQUIRE(WaitFor([&] { return sink.checkpoints().size() == 2; }));
  }
  // The agent stopped after the copy's position reached the store, before app.log's did.
  Checkpoints resume = sink.checkpoints();
  std::string key = CheckpointKey(IdOfPath(path));
  resume[key] = before.at(key);
  Append(path, Lines(15, 20));
  RecordingSink second;
  FileInput input(config);
  REQUIRE(input.Start(resume, &second).ok());
  REQUIRE(WaitForCount(second, 5));
  input.Stop();
  CHECK(testing::SequenceDiff(second.Messages(), LineList(15, 20)) == "");
}

TEST_CASE("with start_at end, rotations made while down are read from their start",
          "[file][resume]") {
  TempDir dir;
  std::string path = dir.path() + "/app.log";
  FileInputConfig config = TestConfig(dir.path() + "/app.log*");
  Append(path, Lines(0, 10));
  const Checkpoints positions = ReadAndStop(config, 10);  // start_at beginning the first time
  config.start_at = FileInputConfig::StartAt::kEnd;
  Append(path, Lines(10, 15));
  fs::rename(path, path + ".1");  // the checkpointed file
  Append(path, Lines(15, 20));
  fs::rename(path, path + ".2");  // a file the agent never saw, rotated away too
  Append(path, Lines(20, 25));
  CHECK(testing::SequenceDiff(ResumeAndRead(config, positions, 15), LineList(10, 25)) == "");
}

TEST_CASE("restart with several rotated files checkpointed reads them oldest first",
          "[file][resume]") {
  TempDir dir;
  std::string path = dir.path() + "/app.log";
  FileInputConfig config = TestConfig(dir.path() + "/app.log*");
  config.rotate_wait_ms = 60000;  // the rotated files stay open (and checkpointed)
  RecordingSink sink;
  sink.RefuseAfter(1 << 30);
  Checkpoints resume;
  {
    FileInput input(config);
    REQUIRE(input.Start({}, &sink).ok());
    for (int r = 0; r < 4; ++r) {
      Append(path, Lines(r * 10, r * 10 + 10));
      REQUIRE(WaitForCount(sink, static_cast<size_t>(r * 10 + 10)));
      fs::rename(path, path + "." + std::to_string(r + 1));
      // Rotated seconds apart, as in life (mtimes within one clock tick would be equal).
      fs::last_write_time(path + "." + std::to_string(r + 1),
                          fs::file_time_type::clock::now() - std::chrono::seconds(10 - r));
    }
    Append(path, Lines(40, 45));
    REQUIRE(WaitForCount(sink, 45));
    // Positions as the store has them after a crash: every file read except the newest lines.
    resume = sink.checkpoints();
  }
  REQUIRE(resume.size() == 5);
  // The agent died before app.log.4's last lines and app.log's first went out.
  std::string k4 = CheckpointKey(IdOfPath(path + ".4"));
  std::string k0 = CheckpointKey(IdOfPath(path));
  Result<FilePosition> p4 = DecodePosition(resume[k4]);
  Result<FilePosition> p0 = DecodePosition(resume[k0]);
  REQUIRE(p4.ok());
  REQUIRE(p0.ok());
  p4->offset = Lines(30, 35).size();
  p0->offset = 0;
  resume[k4] = EncodePosition(*p4);
  resume[k0] = EncodePosition(*p0);
  RecordingSink second;
  FileInput input(config);
  REQUIRE(input.Start(resume, &second).ok());
  REQUIRE(WaitForCount(second, 10));
  input.Stop();
  CHECK(testing::SequenceDiff(second.Messages(), LineList(35, 45)) == "");
}

TEST_CASE("a file held as a possible copy is read from the start once it differs", "[file]") {
  TempDir dir;
  std::string a = dir.path() + "/a.log";
  std::string b = dir.path() + "/b.log";
  Append(a, "same header\n" + Lines(0, 5, "a "));
  RecordingSink sink;
  FileInput input(TestConfig(dir.path() + "/*.log"));
  REQUIRE(input.Start({}, &sink).ok());
  REQUIRE(WaitForCount(sink, 6));
  Append(b, "same header\n");  // starts like a.log: maybe a copy of it
  Append(a, Lines(5, 6, "a "));
  REQUIRE(WaitForCount(sink, 7));
  CHECK(sink.MessagesOf(b).empty());
  Append(b, Lines(0, 3, "b "));
  REQUIRE(WaitForCount(sink, 11));
  input.Stop();
  std::vector<std::string> expected_b = {"same header"};
  for (const std::string& l : LineList(0, 3, "b ")) expected_b.push_back(l);
  CHECK(sink.MessagesOf(b) == expected_b);
}

TEST_CASE("long lines are split with hw_truncated on all pieces but the last", "[file]") {
  TempDir dir;
  std::string path = dir.path() + "/app.log";
  std::string long_line(1000, 'x');
  for (size_t i = 0; i < long_line.size(); i += 7) long_line[i] = 'a' + (i % 26);
  Append(path, long_line + "\nshort\n");
  RecordingSink sink;
  FileInputConfig config = TestConfig(path);
  config.max_line_bytes = 256;
  FileInput input(config);
  REQUIRE(input.Start({}, &sink).ok());
  REQUIRE(WaitForCount(sink, 5));
  input.Stop();
  std::vector<LogRecord> records = sink.records();
  REQUIRE(records.size() == 5);
  std::string joined;
  for (size_t i = 0; i < 4; ++i) {
    CHECK(records[i].message.size() <= 256);
    CHECK((records[i].fields.count("hw_truncated") == 1) == (i < 3));
    joined += records[i].message;
  }
  CHECK(joined == long_line);
  CHECK(records[4].message == "short");
  CHECK(records[4].fields.count("hw_truncated") == 0);
}

TEST_CASE("invalid UTF-8 is repaired, not fatal", "[file]") {
  TempDir dir;
  std::string path = dir.path() + "/app.log";
  Append(path, "ok \xC3\xA9\nbroken \xC3\x28 and \xFF\nafter\n");
  RecordingSink sink;
  FileInput input(TestConfig(path));
  REQUIRE(input.Start({}, &sink).ok());
  REQUIRE(WaitForCount(sink, 3));
  input.Stop();
  CHECK(sink.Messages() ==
        std::vector<std::string>{"ok \xC3\xA9", "broken \xEF\xBF\xBD( and \xEF\xBF\xBD", "after"});
}

TEST_CASE("multi-line records are joined and the last one is flushed when idle",
          "[file][multiline]") {
  TempDir dir;
  std::string path = dir.path() + "/app.log";
  FileInputConfig config = TestConfig(path);
  config.multiline_start = "^\\d{4}-\\d{2}-\\d{2} ";
  config.multiline_timeout_ms = 50;
  Append(path,
         "2024-05-01 10:00:00 ERROR request failed\n"
         "java.lang.IllegalStateException: boom\n"
         "\tat com.example.Foo.bar(Foo.java:10)\n"
         "Caused by: java.io.IOException: disk\n"
         "2024-05-01 10:00:01 INFO recovered\n"
         "  detail line\n");
  RecordingSink sink;
  FileInput input(config);
  REQUIRE(input.Start({}, &sink).ok());
  REQUIRE(WaitForCount(sink, 2));  // the second after the idle timeout
  input.Stop();
  // While the second record was pending, the checkpoint stayed at its first line.
  std::vector<RecordingSink::EmitCall> emits = sink.emits();
  auto first = std::find_if(emits.begin(), emits.end(),
                            [](const RecordingSink::EmitCall& e) { return e.records > 0; });
  REQUIRE(first != emits.end());
  REQUIRE(first->records == 1);
  Result<FilePosition> p = DecodePosition(first->position);
  REQUIRE(p.ok());
  CHECK(p->offset == std::string("2024-05-01 10:00:00 ERROR request failed\n"
                                 "java.lang.IllegalStateException: boom\n"
                                 "\tat com.example.Foo.bar(Foo.java:10)\n"
                                 "Caused by: java.io.IOException: disk\n")
                         .size());
  std::vector<std::string> messages = sink.Messages();
  CHECK(messages[0] ==
        "2024-05-01 10:00:00 ERROR request failed\n"
        "java.lang.IllegalStateException: boom\n"
        "\tat com.example.Foo.bar(Foo.java:10)\n"
        "Caused by: java.io.IOException: disk");
  CHECK(messages[1] == "2024-05-01 10:00:01 INFO recovered\n  detail line");
  CHECK(PositionOf(sink, path).offset == fs::file_size(path));
}

TEST_CASE("the real sample logs are tailed line for line", "[file][real]") {
  TempDir dir;
  const char* names[] = {"Linux_2k.log", "OpenSSH_2k.log", "HDFS_2k.log", "Hadoop_2k.log"};
  size_t total = 0, unfinished = 0;
  for (const char* name : names) {
    std::string path = dir.path() + "/" + name;
    fs::copy_file(std::string(HIVEWATCH_SHARED_LOGS) + "/" + name, path);
    total += testing::ReadLines(path).size();
    unfinished += testing::ReadFile(path).back() != '\n';
  }
  RecordingSink sink;
  FileInputConfig config = TestConfig(dir.path() + "/*.log");
  config.read_bytes = 4096;  // many reads, lines cut between them
  FileInput input(config);
  REQUIRE(input.Start({}, &sink).ok());
  // Three samples end without a newline: their last line is not complete yet.
  REQUIRE(WaitForCount(sink, total - unfinished));
  for (const char* name : names) {
    std::string path = dir.path() + "/" + name;
    if (testing::ReadFile(path).back() != '\n') Append(path, "\r\n");
  }
  REQUIRE(WaitForCount(sink, total));
  input.Stop();
  for (const char* name : names) {
    std::string path = dir.path() + "/" + name;
    INFO(name);
    CHECK(testing::SequenceDiff(sink.MessagesOf(path), testing::ReadLines(path)) == "");
  }
  CHECK(sink.size() == total);
}

TEST_CASE("Start refuses an invalid configuration", "[file][config]") {
  FileInputConfig config;
  RecordingSink sink;
  SECTION("no paths") {
    FileInput input(config);
    Status s = input.Start({}, &sink);
    CHECK(s.message() == "inputs.file: paths: at least one glob pattern is required");
  }
  SECTION("bad regex") {
    config.paths = {"/var/log/*.log"};
    config.multiline_start = "([";
    Status s = ValidateFileInputConfig(config);
    CHECK_FALSE(s.ok());
    CHECK(s.message().rfind("multiline.start: invalid regular expression", 0) == 0);
  }
  SECTION("relative path") {
    config.paths = {"logs/*.log"};
    CHECK(ValidateFileInputConfig(config).message() ==
          "paths: \"logs/*.log\" is not an absolute path");
  }
  SECTION("start_at") {
    CHECK(ParseStartAt("end").value() == FileInputConfig::StartAt::kEnd);
    CHECK(ParseStartAt("beginning").value() == FileInputConfig::StartAt::kBeginning);
    CHECK(ParseStartAt("middle").status().message() ==
          "start_at: must be \"end\" or \"beginning\" (got \"middle\")");
  }
}

TEST_CASE("checkpoint keys and positions round-trip", "[file][config]") {
  FileId id{2049, 1234567};
  CHECK(CheckpointKey(id) == "file:2049:1234567");
  FileId back;
  REQUIRE(ParseCheckpointKey("file:2049:1234567", &back));
  CHECK(back == id);
  CHECK_FALSE(ParseCheckpointKey("file:2049", &back));
  CHECK_FALSE(ParseCheckpointKey("file:2049:12x", &back));
  CHECK_FALSE(ParseCheckpointKey("journald:1:2", &back));
  FilePosition p{"/var/log/app.log.1", "/var/log/app.log", 123456789012, ComputeFingerprint("ab")};
  Result<FilePosition> q = DecodePosition(EncodePosition(p));
  REQUIRE(q.ok());
  CHECK(q->path == p.path);
  CHECK(q->name == p.name);
  CHECK(q->offset == p.offset);
  CHECK(q->fp == p.fp);
  CHECK_FALSE(DecodePosition("{\"path\":\"/x\"}").ok());
  CHECK_FALSE(DecodePosition("not json").ok());
}

}  // namespace
}  // namespace hivewatch
