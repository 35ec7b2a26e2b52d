// Log severity levels, ordered from least to most severe.
#pragma once

#include <optional>
#include <string_view>

namespace hivewatch {

enum class Level { kTrace = 0, kDebug, kInfo, kNotice, kWarning, kError, kCritical };

inline constexpr int kLevelCount = 7;

// Canonical lower-case name: "trace" … "critical".
const char* LevelName(Level level);

// Parses a canonical name or a common alias (case-insensitive): warn, err, fatal, crit, emerg,
// alert, panic, information, dbg, trc, syslog numbers "0".."7". Returns nullopt if unknown.
std::optional<Level> ParseLevel(std::string_view text);

}  // namespace hivewatch
