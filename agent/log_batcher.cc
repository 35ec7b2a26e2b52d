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
  std::lock_guard<std::mutex> lock(mu_);
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
    cv_.notify_all();  // the age thread starts timing this batch
  }
  if (pending_bytes_ >= options_.max_bytes || pending_.size() >= options_.max_lines) {
    SealLocked();
  }
  return true;
}

void LogBatcher::SealLocked() {
  if (pending_.empty() && pending_changes_.empty()) return;
  std::vector<LogRecord> records;
  records.swap(pending_);
  Checkpoints changes;
  changes.swap(pending_changes_);
  pending_bytes_ = 0;
  const size_t n = records.size();
  Status st = seal_(std::move(records), changes);
  if (st.ok()) {
    ++batches_;
  } else {
    dropped_lines_ += n;
    spdlog::error("log batch of {} lines could not be spooled: {}", n, st.message());
  }
}

void LogBatcher::Start() {
  std::lock_guard<std::mutex> lock(mu_);
  if (age_thread_.joinable() || stopped_) return;
  age_thread_ = std::thread([this] { AgeLoop(); });
}

void LogBatcher::AgeLoop() {
  std::unique_lock<std::mutex> lock(mu_);
  while (!thread_stop_) {
    if (pending_.empty() && pending_changes_.empty()) {
      cv_.wait(lock);
      continue;
    }
    const int64_t due = pending_since_ms_ + options_.max_wait_ms;
    const int64_t now = SteadyMs();
    if (now >= due) {
      SealLocked();
      continue;
    }
    cv_.wait_for(lock, std::chrono::milliseconds(due - now));
  }
}

void LogBatcher::Stop() {
  std::thread thread;
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopped_ = true;
    thread_stop_ = true;
    SealLocked();
    thread.swap(age_thread_);
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
