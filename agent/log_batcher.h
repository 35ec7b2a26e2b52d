// LogBatcher: the LogSink every log input writes to. It gathers records (and the input
// positions they reach) into one batch until the batch is big enough (max_bytes of message
// text or max_lines) or old enough (max_wait_ms since its first record), then hands it to
// `seal` — which encodes it and appends it to the spool together with the positions.
// Once started, sealing runs on the batcher's own thread, so the inputs go on filling the next
// batch while the previous one is encoded, compressed and fsynced (two cores instead of one).
// At most one batch is being sealed and one being filled: an input whose batch is full waits
// until the previous seal is done, so a slow seal slows the inputs down instead of growing
// memory. Batches are sealed one at a time in the order they were filled, so the spool holds
// the positions in the order the inputs reached them. Thread-safe.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "agent/inputs/logs.h"

namespace hivewatch {

struct LogBatcherOptions {
  size_t max_bytes = 1024 * 1024;  // message + field bytes per batch, before compression
  size_t max_lines = 10000;
  int64_t max_wait_ms = 1000;  // a record waits at most this long before being spooled
};

class LogBatcher : public LogSink {
 public:
  // Makes a batch durable (the spool); `changes` are the positions the records reach. A failure
  // is logged and the records are dropped (counted in dropped_lines()); positions then stay
  // behind, so an input that can re-read (files, journal) re-delivers after a restart.
  using SealFn = std::function<Status(std::vector<LogRecord> records, const Checkpoints& changes)>;
  using NowFn = std::function<int64_t()>;

  LogBatcher(LogBatcherOptions options, SealFn seal, NowFn now_ms);
  ~LogBatcher() override;

  bool Emit(std::vector<LogRecord> records, const std::string& checkpoint_key,
            const std::string& position) override;

  // Starts the thread that seals full batches and those max_wait_ms old. Before Start (tests),
  // Emit seals a full batch itself, on the caller's thread.
  void Start();
  // Emit returns false from now on; seals what is pending (after the batch being sealed);
  // joins the thread.
  void Stop();

  uint64_t lines() const;          // records taken by Emit
  uint64_t batches() const;        // batches sealed
  uint64_t dropped_lines() const;  // records whose seal failed

 private:
  // Moves the pending batch to the seal thread (waiting while it still seals the previous one),
  // or without the thread seals it here, under the lock.
  void HandOffLocked(std::unique_lock<std::mutex>& lock);
  void SealLoop();
  // Calls seal_ and counts the outcome (under the lock).
  void Finish(const Status& st, size_t lines);

  struct Sealing {  // a batch handed to the seal thread
    std::vector<LogRecord> records;
    Checkpoints changes;
  };

  const LogBatcherOptions options_;
  const SealFn seal_;
  const NowFn now_ms_;

  mutable std::mutex mu_;
  std::condition_variable cv_;      // the seal thread waits on it: a hand-off, an age, the stop
  std::condition_variable sealed_;  // Emit and Stop wait on it: the seal thread is free again
  bool stopped_ = false;
  bool thread_stop_ = false;
  std::thread seal_thread_;
  bool busy_ = false;  // the seal thread holds a batch (handed over or being sealed)
  Sealing handed_;     // that batch, until the seal thread takes it

  std::vector<LogRecord> pending_;
  Checkpoints pending_changes_;
  size_t pending_bytes_ = 0;
  int64_t pending_since_ms_ = 0;  // steady-clock ms of the first pending record or change

  uint64_t lines_ = 0;
  uint64_t batches_ = 0;
  uint64_t dropped_lines_ = 0;
};

}  // namespace hivewatch
