// Pieces shared between the logparse sources; not part of the library's interface.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

#include "common/level.h"

namespace hivewatch::logparse::internal {

// Parses a timestamp that begins exactly at text[0], in any of the formats ExtractTimestampMs
// knows. On success sets *ms and *end (one past the last byte of the timestamp).
bool ParseTimestampAt(std::string_view text, int64_t now_ms, int64_t* ms, size_t* end);

// The leading timestamp of a line (after an optional "<PRI>", RFC 5424 version and '['):
// returns where it ends, including a closing ']', and sets *ms; 0 when there is none.
size_t LeadingTimestamp(std::string_view line, int64_t now_ms, int64_t* ms);

// ExtractTimestampMs, also giving LeadingTimestamp's end (0 when the time, if any, was found
// further on) so that level detection need not parse the time again.
std::optional<int64_t> FindTimestamp(std::string_view line, int64_t now_ms, size_t* leading_end);

// DetectLevel for a line whose leading timestamp ends at `timestamp_end`.
std::optional<Level> DetectLevelAfter(std::string_view line, size_t timestamp_end);

// A level word or alias (case-insensitive, no syslog numbers): "warn", "ERROR", "crit"...
std::optional<Level> LevelWord(std::string_view word);

inline bool IsDigit(char c) { return c >= '0' && c <= '9'; }
inline bool IsAlpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
inline bool IsSpace(char c) { return c == ' ' || c == '\t'; }
inline char ToLower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; }

}  // namespace hivewatch::logparse::internal
