// SyslogFramer: cuts a syslog TCP byte stream into messages (RFC 6587), one per connection.
// A frame that starts with a digit is octet-counted ("LEN SP MSG", RFC 5425/6587 §3.4.1);
// any other is non-transparent framing ended by LF (§3.4.2; a CR before the LF is dropped),
// so one connection may mix both. Not thread-safe; pure (no I/O).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace hivewatch {

struct SyslogFrame {
  std::string text;
  bool truncated = false;  // the message was longer than max_message_bytes and was cut
};

class SyslogFramer {
 public:
  // Messages longer than `max_message_bytes` are cut to it; the rest of that frame is skipped.
  explicit SyslogFramer(size_t max_message_bytes);

  // Appends every frame completed by `data` to `out`; a partial frame is kept for the next call.
  // Empty frames (blank lines, "0 ") are skipped. A digit run that is not followed by a space
  // (too long, or another character) is not a length: the frame is read up to LF instead.
  void Feed(std::string_view data, std::vector<SyslogFrame>* out);

  // End of the stream: the unterminated rest, if any, becomes the last frame (an octet-counted
  // frame cut short by the peer is marked truncated).
  void Finish(std::vector<SyslogFrame>* out);

 private:
  enum class State { kStart, kCount, kBody, kLine };

  void Append(char c);
  void Emit(std::vector<SyslogFrame>* out);

  size_t max_;
  State state_ = State::kStart;
  size_t count_ = 0;        // octets announced (kCount: digits so far; kBody: still to read)
  std::string count_text_;  // the digits read in kCount, kept in case they are not a length
  SyslogFrame current_;
};

}  // namespace hivewatch
