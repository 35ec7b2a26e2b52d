// UTF-8 validation and repair (maximal-subpart replacement) and splitting long lines on
// character boundaries.
#include <cstring>

#include "agent/inputs/logparse/logparse.h"

namespace hivewatch::logparse {
namespace {

constexpr char kReplacement[] = "\xEF\xBF\xBD";  // U+FFFD

// Length of the valid UTF-8 sequence at s[i], or 0 when the sequence there is invalid; then
// *bad_len is the length of its maximal invalid subpart (what one U+FFFD replaces, >= 1).
// Ranges from the Unicode Standard, table 3-7 (no overlongs, surrogates, or > U+10FFFF).
inline size_t SequenceAt(const unsigned char* s, size_t n, size_t i, size_t* bad_len) {
  const unsigned char c = s[i];
  if (c < 0x80) return 1;
  size_t len;
  unsigned char lo = 0x80, hi = 0xBF;  // allowed range of the second byte
  if (c >= 0xC2 && c <= 0xDF) {
    len = 2;
  } else if (c >= 0xE0 && c <= 0xEF) {
    len = 3;
    if (c == 0xE0) lo = 0xA0;         // overlong
    else if (c == 0xED) hi = 0x9F;    // surrogates
  } else if (c >= 0xF0 && c <= 0xF4) {
    len = 4;
    if (c == 0xF0) lo = 0x90;         // overlong
    else if (c == 0xF4) hi = 0x8F;    // > U+10FFFF
  } else {
    *bad_len = 1;  // continuation byte, C0/C1 (always overlong), F5..FF
    return 0;
  }
  for (size_t k = 1; k < len; ++k) {
    if (i + k >= n) {
      *bad_len = k;
      return 0;
    }
    const unsigned char b = s[i + k];
    const bool ok = k == 1 ? (b >= lo && b <= hi) : (b >= 0x80 && b <= 0xBF);
    if (!ok) {
      *bad_len = k;
      return 0;
    }
  }
  return len;
}

// Index of the first byte of the first invalid sequence, or n.
size_t ValidPrefix(const unsigned char* s, size_t n) {
  size_t i = 0;
  while (i < n) {
    // ASCII fast path, eight bytes at a time.
    while (i + 8 <= n) {
      uint64_t w;
      std::memcpy(&w, s + i, 8);
      if (w & 0x8080808080808080ULL) break;
      i += 8;
    }
    if (i >= n) break;
    if (s[i] < 0x80) {
      ++i;
      continue;
    }
    size_t bad;
    size_t len = SequenceAt(s, n, i, &bad);
    if (len == 0) return i;
    i += len;
  }
  return n;
}

}  // namespace

bool IsValidUtf8(std::string_view text) {
  const auto* s = reinterpret_cast<const unsigned char*>(text.data());
  return ValidPrefix(s, text.size()) == text.size();
}

std::string RepairUtf8(std::string_view text) {
  const auto* s = reinterpret_cast<const unsigned char*>(text.data());
  const size_t n = text.size();
  size_t i = ValidPrefix(s, n);
  if (i == n) return std::string(text);
  std::string out;
  out.reserve(n + 16);
  out.append(text.data(), i);
  while (i < n) {
    size_t bad = 0;
    size_t len = SequenceAt(s, n, i, &bad);
    if (len > 0) {
      out.append(text.data() + i, len);
      i += len;
    } else {
      out.append(kReplacement, 3);
      i += bad;
    }
  }
  return out;
}

std::vector<std::string_view> SplitLongLine(std::string_view line, size_t max_bytes) {
  if (max_bytes == 0) max_bytes = 1;
  std::vector<std::string_view> pieces;
  if (line.size() <= max_bytes) {
    pieces.push_back(line);
    return pieces;
  }
  pieces.reserve(line.size() / max_bytes + 1);
  auto is_continuation = [&](size_t i) {
    return (static_cast<unsigned char>(line[i]) & 0xC0) == 0x80;
  };
  size_t start = 0;
  while (line.size() - start > max_bytes) {
    size_t cut = start + max_bytes;
    // Back off to the first byte of the sequence the cut would land in (at most 3 bytes: a
    // longer run of continuation bytes is invalid UTF-8 anyway and is cut where it falls).
    size_t back = cut;
    while (back > start && cut - back < 3 && is_continuation(back)) --back;
    if (!is_continuation(back) && back > start) {
      cut = back;
    } else if (back == start && !is_continuation(back)) {
      // max_bytes is smaller than the sequence: keep the whole sequence in this piece.
      cut = start + 1;
      while (cut < line.size() && cut - start < 4 && is_continuation(cut)) ++cut;
    }
    pieces.push_back(line.substr(start, cut - start));
    start = cut;
  }
  pieces.push_back(line.substr(start));
  return pieces;
}

}  // namespace hivewatch::logparse
