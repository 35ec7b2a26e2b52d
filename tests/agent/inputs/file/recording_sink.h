// Test support for the file input: a LogSink that records what it is given and keeps the
// checkpoints as the agent's store would (an empty position forgets the key), plus helpers to
// write files the way loggers do.
#pragma once

#include <fcntl.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "agent/inputs/file/file_input.h"
#include "agent/inputs/logs.h"
#include "tests/support/process.h"

namespace hivewatch::testing {

class RecordingSink : public LogSink {
 public:
  bool Emit(std::vector<LogRecord> records, const std::string& key,
            const std::string& position) override {
    std::lock_guard<std::mutex> lock(mu_);
    if (refuse_after_calls_ >= 0 && calls_ >= refuse_after_calls_) return false;
    ++calls_;
    emits_.push_back({records.size(), key, position});
    for (LogRecord& r : records) records_.push_back(std::move(r));
    if (!key.empty()) {
      if (position.empty()) {
        checkpoints_.erase(key);
        forgotten_.push_back(key);
      } else {
        checkpoints_[key] = position;
      }
    }
    return true;
  }

  std::vector<LogRecord> records() const {
    std::lock_guard<std::mutex> lock(mu_);
    return records_;
  }
  std::vector<std::string> Messages() const {
    std::lock_guard<std::mutex> lock(mu_);
    std::vector<std::string> out;
    for (const LogRecord& r : records_) out.push_back(r.message);
    return out;
  }
  // Messages whose `file` field is `path`.
  std::vector<std::string> MessagesOf(const std::string& path) const {
    std::lock_guard<std::mutex> lock(mu_);
    std::vector<std::string> out;
    for (const LogRecord& r : records_) {
      auto it = r.fields.find("file");
      if (it != r.fields.end() && it->second == path) out.push_back(r.message);
    }
    return out;
  }
  size_t size() const {
    std::lock_guard<std::mutex> lock(mu_);
    return records_.size();
  }
  Checkpoints checkpoints() const {
    std::lock_guard<std::mutex> lock(mu_);
    return checkpoints_;
  }
  struct EmitCall {
    size_t records = 0;
    std::string key;
    std::string position;
  };
  std::vector<EmitCall> emits() const {
    std::lock_guard<std::mutex> lock(mu_);
    return emits_;
  }
  std::vector<std::string> forgotten() const {
    std::lock_guard<std::mutex> lock(mu_);
    return forgotten_;
  }
  // Emit returns false from the n-th call on (the agent is stopping).
  void RefuseAfter(int calls) {
    std::lock_guard<std::mutex> lock(mu_);
    refuse_after_calls_ = calls;
  }
  int calls() const {
    std::lock_guard<std::mutex> lock(mu_);
    return calls_;
  }

 private:
  mutable std::mutex mu_;
  std::vector<LogRecord> records_;
  Checkpoints checkpoints_;
  std::vector<std::string> forgotten_;
  std::vector<EmitCall> emits_;
  int calls_ = 0;
  int refuse_after_calls_ = -1;
};

// Appends `text` with one write(2), as a logger does.
inline void Append(const std::string& path, const std::string& text) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  REQUIRE(fd >= 0);
  REQUIRE(::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()));
  ::close(fd);
}

inline std::string Lines(int from, int to, const std::string& prefix = "line ") {
  std::string out;
  for (int i = from; i < to; ++i) out += prefix + std::to_string(i) + "\n";
  return out;
}

inline std::vector<std::string> LineList(int from, int to, const std::string& prefix = "line ") {
  std::vector<std::string> out;
  for (int i = from; i < to; ++i) out.push_back(prefix + std::to_string(i));
  return out;
}

// "" when `got` == `want`, else what differs (counts, first difference, lost and repeated
// lines), short enough for a test failure message.
inline std::string SequenceDiff(const std::vector<std::string>& got,
                                const std::vector<std::string>& want) {
  if (got == want) return "";
  std::map<std::string, int> count;
  for (const std::string& g : got) ++count[g];
  size_t repeated = 0, lost = 0;
  std::string first_lost;
  for (auto& [line, n] : count) repeated += n > 1 ? n - 1 : 0;
  for (const std::string& w : want) {
    if (count[w]-- <= 0) {
      if (lost++ == 0) first_lost = w;
    }
  }
  size_t i = 0;
  while (i < got.size() && i < want.size() && got[i] == want[i]) ++i;
  std::string out = "got " + std::to_string(got.size()) + " want " + std::to_string(want.size()) +
                    "; first difference at " + std::to_string(i) + ": got \"" +
                    (i < got.size() ? got[i] : "<end>") + "\" want \"" +
                    (i < want.size() ? want[i] : "<end>") + "\"; lost " + std::to_string(lost) +
                    " (first: \"" + first_lost + "\"), repeated " + std::to_string(repeated);
  return out;
}

// Fast timers so tests wait milliseconds, not seconds.
inline FileInputConfig TestConfig(const std::string& pattern) {
  FileInputConfig c;
  c.paths = {pattern};
  c.service = "test";
  c.start_at = FileInputConfig::StartAt::kBeginning;
  c.poll_interval_ms = 2;
  c.scan_interval_ms = 5;
  c.rotate_wait_ms = 50;
  c.multiline_timeout_ms = 100;
  return c;
}

inline bool WaitForCount(const RecordingSink& sink, size_t n,
                         std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
  return WaitFor([&] { return sink.size() >= n; }, timeout);
}

}  // namespace hivewatch::testing
