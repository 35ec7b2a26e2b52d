// CollectingSink: a LogSink for input tests that keeps every record and the latest position per
// checkpoint key, and can be told to refuse (as the agent's batcher does once it is stopping).
// Thread-safe: inputs call Emit from their own threads while the test reads.
#pragma once

#include <cstddef>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "agent/inputs/logs.h"

namespace hivewatch::testing {

class CollectingSink : public LogSink {
 public:
  bool Emit(std::vector<LogRecord> records, const std::string& checkpoint_key,
            const std::string& position) override {
    std::lock_guard<std::mutex> lock(mu_);
    ++calls_;
    if (refuse_) return false;
    for (LogRecord& r : records) records_.push_back(std::move(r));
    if (!checkpoint_key.empty()) checkpoints_[checkpoint_key] = position;
    keys_.push_back(checkpoint_key);
    history_.emplace_back(records_.size(), position);
    return true;
  }

  std::vector<LogRecord> records() const {
    std::lock_guard<std::mutex> lock(mu_);
    return records_;
  }
  size_t size() const {
    std::lock_guard<std::mutex> lock(mu_);
    return records_.size();
  }
  Checkpoints checkpoints() const {
    std::lock_guard<std::mutex> lock(mu_);
    return checkpoints_;
  }
  std::vector<std::string> keys() const {  // the checkpoint key of every accepted Emit
    std::lock_guard<std::mutex> lock(mu_);
    return keys_;
  }
  // For every accepted Emit: the number of records taken so far, and the position it gave.
  std::vector<std::pair<size_t, std::string>> history() const {
    std::lock_guard<std::mutex> lock(mu_);
    return history_;
  }
  size_t calls() const {
    std::lock_guard<std::mutex> lock(mu_);
    return calls_;
  }
  void Refuse() {
    std::lock_guard<std::mutex> lock(mu_);
    refuse_ = true;
  }

 private:
  mutable std::mutex mu_;
  std::vector<LogRecord> records_;
  Checkpoints checkpoints_;
  std::vector<std::string> keys_;
  std::vector<std::pair<size_t, std::string>> history_;
  size_t calls_ = 0;
  bool refuse_ = false;
};

}  // namespace hivewatch::testing
