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

// Where the leading timestamp of a line (after an optional "<PRI>", RFC 5424 version and '[')
// ends, including a closing ']'; 0 when the line does not start with one.
size_t LeadingTimestampEnd(std::string_view line, int64_t now_ms);

// A level word or alias (case-insensitive, no syslog numbers): "warn", "ERROR", "crit"...
std::optional<Level> LevelWord(std::string_view word);

// Days since 1970-01-01 for a proleptic Gregorian date.
int64_t DaysFromCivil(int64_t year, unsigned month, unsigned day);
int DaysInMonth(int year, int month);

inline bool IsDigit(char c) { return c >= '0' && c <= '9'; }
inline bool IsAlpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
inline bool IsSpace(char c) { return c == ' ' || c == '\t'; }
inline char ToLower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; }

}  // namespace hivewatch::logparse::internal
