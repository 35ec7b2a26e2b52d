#include "agent/log_batcher.h"

#include <catch2/catch.hpp>

#include <chrono>
#include <mutex>

#include "tests/support/process.h"

namespace hivewatch {
namespace {

struct Sealed {
  std::vector<LogRecord> records;
  Checkpoints changes;
};

// Records what the batcher seals; can be told to fail.
struct SealRecorder {
  std::mutex mu;
  std::vector<Sealed> batches;
  bool fail = false;

  LogBatcher::SealFn Fn() {
    return [this](std::vector<LogRecord> records, const Checkpoints& changes) {
      std::lock_guard<std::mutex> lock(mu);
      if (fail) return Unavailable("disk full");
      batches.push_back({std::move(records), changes});
      return Status::Ok();
    };
  }
  size_t count() {
    std::lock_guard<std::mutex> lock(mu);
    return batches.size();
  }
};

std::vector<LogRecord> Lines(int from, int to, size_t bytes = 10) {
  std::vector<LogRecord> out;
  for (int i = from; i < to; ++i) {
    LogRecord r;
    r.service = "app";
    r.message = std::to_string(i) + std::string(bytes, 'x');
    out.push_back(r);
  }
  return out;
}

TEST_CASE("the batcher seals by size and by line count, keeping order and last positions",
          "[batcher]") {
  SealRecorder rec;
  LogBatcherOptions options;
  options.max_bytes = 1000;
  options.max_lines = 1000;
  options.max_wait_ms = 60000;
  LogBatcher batcher(options, rec.Fn(), [] { return int64_t{42}; });
  // 10 records of ~15 bytes (message + service): 150 bytes per Emit.
  for (int i = 0; i < 10; ++i) {
    REQUIRE(batcher.Emit(Lines(i * 10, i * 10 + 10), "file:a", std::to_string(i)));
  }
  REQUIRE(rec.count() >= 1);
  CHECK(rec.batches[0].changes == Checkpoints{{"file:a", "6"}});  // sealed once ≥ 1000 bytes
  CHECK(rec.batches[0].records.size() == 70);
  CHECK(rec.batches[0].records.front().ts_ms == 42);  // 0 means "now"
  batcher.Stop();
  REQUIRE(rec.count() == 2);
  CHECK(rec.batches[1].changes == Checkpoints{{"file:a", "9"}});
  std::vector<std::string> messages;
  for (auto& b : rec.batches)
    for (auto& r : b.records) messages.push_back(r.message);
  REQUIRE(messages.size() == 100);
  for (int i = 0; i < 100; ++i) CHECK(messages[i].rfind(std::to_string(i) + "x", 0) == 0);

  SealRecorder by_lines;
  options.max_lines = 50;
  LogBatcher small(options, by_lines.Fn(), [] { return int64_t{1}; });
  for (int i = 0; i < 6; ++i) REQUIRE(small.Emit(Lines(0, 10, 0), "", ""));
  CHECK(by_lines.count() == 1);
  CHECK(by_lines.batches[0].records.size() == 50);
  CHECK(by_lines.batches[0].changes.empty());
}

TEST_CASE("a batch is sealed once its first record is max_wait old", "[batcher]") {
  SealRecorder rec;
  LogBatcherOptions options;
  options.max_wait_ms = 50;
  LogBatcher batcher(options, rec.Fn(), [] { return int64_t{1}; });
  batcher.Start();
  REQUIRE(batcher.Emit(Lines(0, 3), "file:a", "3"));
  CHECK(testing::WaitFor([&] { return rec.count() == 1; }, std::chrono::seconds(5)));
  // A position change alone (e.g. a file forgotten) is sealed too.
  REQUIRE(batcher.Emit({}, "file:b", ""));
  CHECK(testing::WaitFor([&] { return rec.count() == 2; }, std::chrono::seconds(5)));
  CHECK(rec.batches[1].records.empty());
  CHECK(rec.batches[1].changes == Checkpoints{{"file:b", ""}});
  batcher.Stop();
  CHECK(rec.count() == 2);
}

TEST_CASE("after Stop, Emit refuses; a failed seal counts the lines as dropped", "[batcher]") {
  SealRecorder rec;
  rec.fail = true;
  LogBatcher batcher({}, rec.Fn(), [] { return int64_t{1}; });
  REQUIRE(batcher.Emit(Lines(0, 5), "file:a", "5"));
  batcher.Stop();
  CHECK(batcher.dropped_lines() == 5);
  CHECK(batcher.lines() == 5);
  CHECK_FALSE(batcher.Emit(Lines(5, 6), "file:a", "6"));
  CHECK(batcher.lines() == 5);
}

}  // namespace
}  // namespace hivewatch
