#include "agent/log_batcher.h"

#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <mutex>
#include <thread>

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

TEST_CASE("after Stop, Emit refuses, and a failed seal counts the lines as dropped", "[batcher]") {
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

TEST_CASE("started, the batcher seals on its own thread while the input fills the next batch",
          "[batcher]") {
  LogBatcherOptions options;
  options.max_lines = 10;  // each Emit of 10 lines fills a batch
  options.max_wait_ms = 60000;
  std::mutex mu;
  std::vector<Sealed> batches;
  std::atomic<int> returned{0};  // Emit calls that have returned
  std::vector<int> returned_at_end;
  bool overlapped = false;
  LogBatcher* self = nullptr;
  LogBatcher batcher(
      options,
      [&](std::vector<LogRecord> records, const Checkpoints& changes) {
        if (batches.empty()) {
          // While the first batch is being sealed the input goes on: the second batch's lines
          // are taken (it then waits for this seal to finish before handing that batch over).
          overlapped =
              testing::WaitFor([&] { return self->lines() == 20; }, std::chrono::seconds(10));
        }
        std::lock_guard<std::mutex> lock(mu);
        batches.push_back({std::move(records), changes});
        returned_at_end.push_back(returned.load());
        return Status::Ok();
      },
      [] { return int64_t{1}; });
  self = &batcher;
  batcher.Start();
  std::thread input([&] {
    for (int i = 0; i < 6; ++i) {
      REQUIRE(batcher.Emit(Lines(i * 10, i * 10 + 10), "file:a", std::to_string(i)));
      ++returned;
    }
  });
  input.join();
  batcher.Stop();
  CHECK(overlapped);
  REQUIRE(batches.size() == 6);
  for (size_t k = 0; k < batches.size(); ++k) {
    INFO("batch " << k);
    // In order, each with its own last position.
    CHECK(batches[k].changes == Checkpoints{{"file:a", std::to_string(k)}});
    REQUIRE(batches[k].records.size() == 10);
    CHECK(batches[k].records.front().message.rfind(std::to_string(k * 10) + "x", 0) == 0);
    // Bounded: when batch k's seal ends, the input cannot be past handing over batch k (the
    // batch k+1 it fills waits for this seal), so at most one batch is filled ahead.
    CHECK(returned_at_end[k] <= static_cast<int>(k) + 1);
  }
  CHECK(batcher.batches() == 6);
}

}  // namespace
}  // namespace hivewatch
