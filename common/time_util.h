// Wall-clock helpers and the timestamp/duration syntaxes shared by the API and the CLI.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/status.h"

namespace hivewatch {

// Milliseconds since the Unix epoch (UTC), from the system clock.
int64_t NowMs();

// Parses a timestamp given as integer milliseconds since the epoch ("1763900000123") or as
// RFC 3339 ("2025-11-23T12:00:00Z", "2025-11-23T12:00:00.123+01:00").
Result<int64_t> ParseTimestampMs(std::string_view text);

// Parses a duration such as "500ms", "30s", "15m", "1h", "7d", "1w" or a combination ("1h30m").
Result<int64_t> ParseDurationMs(std::string_view text);

// Days since 1970-01-01 of a proleptic Gregorian date (month 1-12, day 1-31).
int64_t DaysFromCivil(int64_t year, unsigned month, unsigned day);
// 28-31: the days of `month` (1-12) in `year`.
int DaysInMonth(int year, int month);

// Formats as RFC 3339 in UTC with milliseconds: "2025-11-23T12:00:00.123Z".
std::string FormatRfc3339(int64_t ms);

}  // namespace hivewatch
