// Level detection from the head of a plain-text line (see DetectLevel in logparse.h for the rule).
#include <algorithm>

#include "agent/inputs/logparse/internal.h"
#include "agent/inputs/logparse/logparse.h"

namespace hivewatch::logparse {
namespace internal {

std::optional<Level> LevelWord(std::string_view word) {
  if (word.size() < 3 || word.size() > 11) return std::nullopt;
  char buf[12];
  for (size_t i = 0; i < word.size(); ++i) buf[i] = ToLower(word[i]);
  const std::string_view w(buf, word.size());
  struct Alias {
    std::string_view name;
    Level level;
  };
  static constexpr Alias kAliases[] = {
      {"info", Level::kInfo},         {"warn", Level::kWarning},
      {"error", Level::kError},       {"debug", Level::kDebug},
      {"warning", Level::kWarning},   {"err", Level::kError},
      {"trace", Level::kTrace},       {"notice", Level::kNotice},
      {"fatal", Level::kCritical},    {"crit", Level::kCritical},
      {"critical", Level::kCritical}, {"alert", Level::kCritical},
      {"emerg", Level::kCritical},    {"emergency", Level::kCritical},
      {"panic", Level::kCritical},    {"severe", Level::kError},
      {"dbg", Level::kDebug},         {"trc", Level::kTrace},
      {"information", Level::kInfo},  {"informational", Level::kInfo},
  };
  for (const auto& a : kAliases) {
    if (a.name == w) return a.level;
  }
  return std::nullopt;
}

}  // namespace internal

namespace {

using internal::IsAlpha;
using internal::IsDigit;
using internal::IsSpace;

constexpr size_t kMaxTokens = 4;    // words looked at after the timestamp
constexpr size_t kMaxHead = 160;    // bytes of the line looked at

bool IsOpener(char c) { return c == '[' || c == '(' || c == '<' || c == '{'; }
bool IsCloser(char c) { return c == ']' || c == ')' || c == '>' || c == '}'; }

bool HasPrefixNoCase(std::string_view s, std::string_view prefix) {
  if (s.size() < prefix.size()) return false;
  for (size_t i = 0; i < prefix.size(); ++i) {
    if (internal::ToLower(s[i]) != prefix[i]) return false;
  }
  return true;
}

// "level=warn", "lvl=ERROR", "severity=\"info\"".
std::optional<Level> KeyValueLevel(std::string_view token) {
  for (std::string_view key : {"level=", "lvl=", "severity="}) {
    if (!HasPrefixNoCase(token, key)) continue;
    std::string_view v = token.substr(key.size());
    if (!v.empty() && v.front() == '"') v.remove_prefix(1);
    size_t n = 0;
    while (n < v.size() && IsAlpha(v[n])) ++n;
    return internal::LevelWord(v.substr(0, n));
  }
  return std::nullopt;
}

// A "<PRI>" prefix: its severity (PRI & 7).
std::optional<Level> SyslogPriority(std::string_view line) {
  if (line.size() < 3 || line[0] != '<') return std::nullopt;
  int pri = 0;
  size_t i = 1;
  while (i < line.size() && i < 5 && IsDigit(line[i])) pri = pri * 10 + (line[i++] - '0');
  if (i == 1 || i >= line.size() || line[i] != '>' || pri > 191) return std::nullopt;
  static constexpr Level kSeverity[] = {Level::kCritical, Level::kCritical, Level::kCritical,
                                        Level::kError,    Level::kWarning,  Level::kNotice,
                                        Level::kInfo,     Level::kDebug};
  return kSeverity[pri & 7];
}

// glog: "I1123 12:00:00.123456 ..." (also "W", "E", "F").
std::optional<Level> GlogLevel(std::string_view line) {
  if (line.size() < 8 || line[5] != ' ') return std::nullopt;
  for (size_t i = 1; i < 5; ++i) {
    if (!IsDigit(line[i])) return std::nullopt;
  }
  if (!IsDigit(line[6]) || !IsDigit(line[7])) return std::nullopt;
  switch (line[0]) {
    case 'I': return Level::kInfo;
    case 'W': return Level::kWarning;
    case 'E': return Level::kError;
    case 'F': return Level::kCritical;
    default: return std::nullopt;
  }
}

bool AllUpper(std::string_view word) {
  for (char c : word) {
    if (c < 'A' || c > 'Z') return false;
  }
  return true;
}

}  // namespace

std::optional<Level> DetectLevel(std::string_view line) {
  if (auto pri = SyslogPriority(line)) return pri;
  if (auto glog = GlogLevel(line)) return glog;

  // The now_ms given here only decides the year of year-less dates, not where they end.
  size_t pos = internal::LeadingTimestampEnd(line, /*now_ms=*/0);
  const size_t head_end = std::min(line.size(), pos + kMaxHead);
  size_t counted = 0;
  // The first word of the message proper: the line's first word, or the word after a tag
  // ending in ':' ("sshd[24200]:", "dfs.FSNamesystem:").
  bool message_start = true;
  bool after_tag = false;
  while (pos < head_end && counted < kMaxTokens) {
    while (pos < head_end && IsSpace(line[pos])) ++pos;
    size_t end = pos;
    while (end < line.size() && !IsSpace(line[end])) ++end;
    if (end == pos) break;
    const std::string_view token = line.substr(pos, end - pos);
    pos = end;

    if (auto kv = KeyValueLevel(token)) return kv;
    size_t i = 0;
    while (i < token.size() && IsOpener(token[i])) ++i;
    const bool opened = i > 0;
    size_t core_end = i;
    while (core_end < token.size() && IsAlpha(token[core_end])) ++core_end;
    const std::string_view core = token.substr(i, core_end - i);
    const std::string_view rest = token.substr(core_end);
    bool has_alnum = false;
    for (char c : token) has_alnum = has_alnum || IsAlpha(c) || IsDigit(c);
    if (!has_alnum) continue;  // separators such as "-" or "|" do not count as words
    ++counted;
    if (!core.empty() && (rest.empty() || rest[0] == ':' || IsCloser(rest[0]) || rest[0] == ',' ||
                          rest[0] == ';' || rest[0] == '|')) {
      if (auto level = internal::LevelWord(core)) {
        const bool bracketed = opened && !rest.empty() && IsCloser(rest[0]);
        const bool colon = !rest.empty() && rest[0] == ':';
        // "[error]", "<warn>", "ERROR", "WARN:", and "warning:" as the message's first word.
        if (bracketed || AllUpper(core) || (colon && !opened && message_start)) return level;
      }
    }
    if (after_tag) break;  // looked at the message's first word: the rest is free text
    message_start = false;
    if (token.back() == ':') {
      after_tag = true;
      message_start = true;
    }
  }
  return std::nullopt;
}

}  // namespace hivewatch::logparse
