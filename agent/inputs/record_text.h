// Making text from outside (a syslog datagram, a journal field) fit a LogRecord on the wire:
// valid UTF-8 (the collector rejects a batch that is not) and within the push limits of
// docs/api.md (fields per record, field value and message sizes). Header-only, no state.
// logparse::RepairUtf8 (agent/inputs/logparse/logparse.h) is the same repair for the file input;
// this copy keeps the network and journal inputs free of a dependency on the file parsing library.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace hivewatch::record_text {

// Push limits (common/batch_codec.h DecodeLimits defaults).
inline constexpr size_t kMaxFields = 32;
inline constexpr size_t kMaxFieldNameBytes = 256;
inline constexpr size_t kMaxFieldValueBytes = 16 * 1024;
inline constexpr size_t kMaxMessageBytes = 1024 * 1024;

// Length of the valid UTF-8 sequence starting at s[i], or 0 if the bytes there are not one;
// `*invalid_len` is then the length of the maximal invalid subpart (at least 1), so that one
// U+FFFD replaces it (the WHATWG / Unicode "best practice" count).
inline size_t Utf8SequenceAt(std::string_view s, size_t i, size_t* invalid_len) {
  const auto byte = [&](size_t k) { return static_cast<uint8_t>(s[k]); };
  const uint8_t b0 = byte(i);
  *invalid_len = 1;
  if (b0 < 0x80) return 1;
  size_t need;
  uint8_t lo = 0x80, hi = 0xBF;  // allowed range of the second byte
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    need = 2;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    need = 3;
    if (b0 == 0xE0) lo = 0xA0;  // no overlong forms
    if (b0 == 0xED) hi = 0x9F;  // no surrogates
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    need = 4;
    if (b0 == 0xF0) lo = 0x90;
    if (b0 == 0xF4) hi = 0x8F;  // nothing above U+10FFFF
  } else {
    return 0;
  }
  for (size_t k = 1; k < need; ++k) {
    if (i + k >= s.size()) {
      *invalid_len = k;
      return 0;
    }
    const uint8_t b = byte(i + k);
    const bool ok = k == 1 ? (b >= lo && b <= hi) : (b >= 0x80 && b <= 0xBF);
    if (!ok) {
      *invalid_len = k;
      return 0;
    }
  }
  return need;
}

// `text` with every invalid UTF-8 subpart replaced by U+FFFD; valid text is copied unchanged.
inline std::string RepairUtf8(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  size_t i = 0;
  while (i < text.size()) {
    size_t bad = 0;
    const size_t n = Utf8SequenceAt(text, i, &bad);
    if (n > 0) {
      out.append(text.data() + i, n);
      i += n;
    } else {
      out.append("\xEF\xBF\xBD");
      i += bad;
    }
  }
  return out;
}

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
  std::string out = RepairUtf8(text);
  const bool cut = TruncateUtf8(&out, max_bytes);
  if (truncated && cut) *truncated = true;
  return out;
}

}  // namespace hivewatch::record_text
