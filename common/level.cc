#include "common/level.h"

#include <algorithm>
#include <cctype>
#include <string>

namespace hivewatch {

const char* LevelName(Level level) {
  switch (level) {
    case Level::kTrace: return "trace";
    case Level::kDebug: return "debug";
    case Level::kInfo: return "info";
    case Level::kNotice: return "notice";
    case Level::kWarning: return "warning";
    case Level::kError: return "error";
    case Level::kCritical: return "critical";
  }
  return "info";
}

std::optional<Level> ParseLevel(std::string_view text) {
  std::string s(text);
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  struct Alias { const char* name; Level level; };
  static constexpr Alias kAliases[] = {
      {"trace", Level::kTrace},     {"trc", Level::kTrace},
      {"debug", Level::kDebug},     {"dbg", Level::kDebug},     {"7", Level::kDebug},
      {"info", Level::kInfo},       {"information", Level::kInfo}, {"informational", Level::kInfo},
      {"6", Level::kInfo},
      {"notice", Level::kNotice},   {"5", Level::kNotice},
      {"warning", Level::kWarning}, {"warn", Level::kWarning},  {"4", Level::kWarning},
      {"error", Level::kError},     {"err", Level::kError},     {"3", Level::kError},
      {"critical", Level::kCritical}, {"crit", Level::kCritical}, {"fatal", Level::kCritical},
      {"alert", Level::kCritical},  {"emerg", Level::kCritical}, {"emergency", Level::kCritical},
      {"panic", Level::kCritical},  {"2", Level::kCritical},    {"1", Level::kCritical},
      {"0", Level::kCritical},
  };
  for (const auto& a : kAliases) {
    if (s == a.name) return a.level;
  }
  return std::nullopt;
}

}  // namespace hivewatch
