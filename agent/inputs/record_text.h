// Making text from outside (a syslog datagram, a journal field) fit a LogRecord on the wire:
// valid UTF-8 (the collector rejects a batch that is not) and within the push limits of
// docs/api.md (fields per record, field value and message sizes). Header-only, no state.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "agent/inputs/logparse/logparse.h"

namespace hivewatch::record_text {

// Push limits (common/batch_codec.h DecodeLimits defaults).
inline constexpr size_t kMaxFields = 32;
inline constexpr size_t kMaxFieldNameBytes = 256;
inline constexpr size_t kMaxFieldValueBytes = 16 * 1024;
inline constexpr size_t kMaxMessageBytes = 1024 * 1024;

// Cuts valid UTF-8 `text` to at most `max_bytes` without splitting a character; true if cut.
inline bool TruncateUtf8(std::string* text, size_t max_bytes) {
  if (text->size() <= max_bytes) return false;
  size_t end = max_bytes;
  while (end > 0 && (static_cast<uint8_t>((*text)[end]) & 0xC0) == 0x80) --end;
  text->resize(end);
  return true;
}

// RepairUtf8 then TruncateUtf8 to `max_bytes`; sets `*truncated` (if given) when cut.
inline std::string FitText(std::string_view text, size_t max_bytes, bool* truncated = nullptr) {
  std::string out = logparse::RepairUtf8(text);
  const bool cut = TruncateUtf8(&out, max_bytes);
  if (truncated && cut) *truncated = true;
  return out;
}

}  // namespace hivewatch::record_text
