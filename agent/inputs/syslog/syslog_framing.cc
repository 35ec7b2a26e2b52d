#include "agent/inputs/syslog/syslog_framing.h"

#include <algorithm>

namespace hivewatch {
namespace {

// A length with more digits than this is not taken as one (a body that large is skipped anyway).
constexpr size_t kMaxCountDigits = 9;

}  // namespace

SyslogFramer::SyslogFramer(size_t max_message_bytes) : max_(max_message_bytes) {}

void SyslogFramer::Append(char c) {
  if (current_.text.size() < max_) {
    current_.text.push_back(c);
  } else {
    current_.truncated = true;
  }
}

void SyslogFramer::Emit(std::vector<SyslogFrame>* out) {
  if (state_ == State::kLine && !current_.text.empty() && current_.text.back() == '\r' &&
      !current_.truncated) {
    current_.text.pop_back();
  }
  if (!current_.text.empty()) out->push_back(std::move(current_));
  current_ = SyslogFrame();
  state_ = State::kStart;
  count_ = 0;
  count_text_.clear();
}

void SyslogFramer::Feed(std::string_view data, std::vector<SyslogFrame>* out) {
  size_t i = 0;
  while (i < data.size()) {
    switch (state_) {
      case State::kStart: {
        char c = data[i];
        if (c == '\n' || c == '\r' || c == '\0') {
          ++i;  // blank line or the LF some senders put after an octet-counted frame
        } else if (c >= '0' && c <= '9') {
          state_ = State::kCount;
        } else {
          state_ = State::kLine;
        }
        break;
      }
      case State::kCount: {
        char c = data[i];
        if (c >= '0' && c <= '9' && count_text_.size() < kMaxCountDigits) {
          count_text_.push_back(c);
          count_ = count_ * 10 + static_cast<size_t>(c - '0');
          ++i;
        } else if (c == ' ' && !count_text_.empty()) {
          ++i;
          state_ = State::kBody;
          if (count_ == 0) Emit(out);
        } else {
          // Not a length after all: the digits are the start of a newline-framed message.
          state_ = State::kLine;
          for (char d : count_text_) Append(d);
          count_ = 0;
          count_text_.clear();
        }
        break;
      }
      case State::kBody: {
        size_t n = std::min(count_, data.size() - i);
        size_t keep = std::min(n, max_ - std::min(max_, current_.text.size()));
        current_.text.append(data.data() + i, keep);
        if (keep < n) current_.truncated = true;
        i += n;
        count_ -= n;
        if (count_ == 0) Emit(out);
        break;
      }
      case State::kLine: {
        size_t nl = data.find('\n', i);
        size_t end = nl == std::string_view::npos ? data.size() : nl;
        size_t keep = std::min(end - i, max_ - std::min(max_, current_.text.size()));
        current_.text.append(data.data() + i, keep);
        if (keep < end - i) current_.truncated = true;
        i = end;
        if (nl != std::string_view::npos) {
          ++i;
          Emit(out);
        }
        break;
      }
    }
  }
}

void SyslogFramer::Finish(std::vector<SyslogFrame>* out) {
  if (state_ == State::kCount) {
    for (char d : count_text_) Append(d);
    state_ = State::kLine;
  } else if (state_ == State::kBody) {
    current_.truncated = true;
  }
  Emit(out);
}

}  // namespace hivewatch
