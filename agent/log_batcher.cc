#include "agent/log_batcher.h"

#include <spdlog/spdlog.h>

#include <chrono>

namespace hivewatch {
namespace {

int64_t SteadyMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

size_t RecordBytes(const LogRecord& r) {
  size_t n = r.message.size() + r.service.size();
  for (const auto& [k, v] : r.fields) n += k.size() + v.size();
  return n;
}

}  // namespace

LogBatcher::LogBatcher(LogBatcherOptions options, SealFn seal, NowFn now_ms)
    : options_(options), seal_(std::move(seal)), now_ms_(std::move(now_ms)) {}

LogBatcher::~LogBatcher() { Stop(); }

bool LogBatcher::Emit(std::vector<LogRecord> records, const std::string& checkpoint_key,
                      const std::string& position) {
  std::unique_lock<std::mutex> lock(mu_);
  if (stopped_) return false;
  if (records.empty() && checkpoint_key.empty()) return true;
  const bool was_empty = pending_.empty() && pending_changes_.empty();
  int64_t now = 0;
  for (LogRecord& r : records) {
    if (r.ts_ms == 0) {
      if (now == 0) now = now_ms_();
      r.ts_ms = now;
    }
    pending_bytes_ += RecordBytes(r);
    pending_.push_back(std::move(r));
  }
  lines_ += records.size();
  if (!checkpoint_key.empty()) pending_changes_[checkpoint_key] = position;
  if (was_empty) {
    pending_since_ms_ = SteadyMs();
    cv_.notify_all();  // the seal thread starts timing this batch
  }
  if (pending_bytes_ >= options_.max_bytes || pending_.size() >= options_.max_lines) {
    HandOffLocked(lock);
  }
  return true;
}

void LogBatcher::HandOffLocked(std::unique_lock<std::mutex>& lock) {
  if (pending_.empty() && pending_changes_.empty()) return;
  if (!seal_thread_.joinable()) {  // not started (or stopped): seal here
    std::vector<LogRecord> records;
    records.swap(pending_);
    Checkpoints changes;
    changes.swap(pending_changes_);
    pending_bytes_ = 0;
    const size_t n = records.size();
    Finish(seal_(std::move(records), changes), n);
    return;
  }
  // One batch at a time: the positions reach the spool in the order the inputs reached them.
  sealed_.wait(lock, [this] { return !busy_; });
  if (pending_.empty() && pending_changes_.empty()) return;  // another caller handed it over
  handed_.records.swap(pending_);
  handed_.changes.swap(pending_changes_);
  pending_bytes_ = 0;
  busy_ = true;
  cv_.notify_all();
}

void LogBatcher::Finish(const Status& st, size_t lines) {
  if (st.ok()) {
    ++batches_;
  } else {
    dropped_lines_ += lines;
    spdlog::error("log batch of {} lines could not be spooled: {}", lines, st.message());
  }
}

void LogBatcher::Start() {
  std::lock_guard<std::mutex> lock(mu_);
  if (seal_thread_.joinable() || stopped_) return;
  seal_thread_ = std::thread([this] { SealLoop(); });
}

void LogBatcher::SealLoop() {
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    if (busy_) {
      Sealing batch;
      batch.records.swap(handed_.records);
      batch.changes.swap(handed_.changes);
      const size_t n = batch.records.size();
      lock.unlock();
      Status st = seal_(std::move(batch.records), batch.changes);
      batch = Sealing();  // free the records before taking the lock again
      lock.lock();
      Finish(st, n);
      busy_ = false;
      sealed_.notify_all();
      continue;
    }
    if (thread_stop_) return;
    if (pending_.empty() && pending_changes_.empty()) {
      cv_.wait(lock);
      continue;
    }
    const int64_t due = pending_since_ms_ + options_.max_wait_ms;
    const int64_t now = SteadyMs();
    if (now >= due) {
      HandOffLocked(lock);  // the thread is free: does not wait
      continue;
    }
    cv_.wait_for(lock, std::chrono::milliseconds(due - now));
  }
}

void LogBatcher::Stop() {
  std::thread thread;
  {
    std::unique_lock<std::mutex> lock(mu_);
    stopped_ = true;
    HandOffLocked(lock);  // after the batch being sealed, if any
    sealed_.wait(lock, [this] { return !busy_; });
    thread_stop_ = true;
    thread.swap(seal_thread_);
  }
  cv_.notify_all();
  if (thread.joinable()) thread.join();
}

uint64_t LogBatcher::lines() const {
  std::lock_guard<std::mutex> lock(mu_);
  return lines_;
}
uint64_t LogBatcher::batches() const {
  std::lock_guard<std::mutex> lock(mu_);
  return batches_;
}
uint64_t LogBatcher::dropped_lines() const {
  std::lock_guard<std::mutex> lock(mu_);
  return dropped_lines_;
}

}  // namespace hivewatch
