// Level detection from the head of a plain-text line (see DetectLevel in logparse.h for the rule).
#include <algorithm>

#include "agent/inputs/logparse/internal.h"
#include "agent/inputs/logparse/logparse.h"

namespace hivewatch::logparse {
namespace internal {

namespace {

// Up to 8 lower-case ASCII letters packed into an integer, so that a word is matched with one
// switch rather than a string comparison per alias.
constexpr uint64_t Pack(std::string_view s) {
  uint64_t v = 0;
  for (size_t i = 0; i < s.size() && i < 8; ++i) {
    v |= static_cast<uint64_t>(static_cast<unsigned char>(s[i])) << (8 * i);
  }
  return v;
}

}  // namespace

std::optional<Level> LevelWord(std::string_view word) {
  if (word.size() < 3 || word.size() > 13) return std::nullopt;
  char buf[13];
  for (size_t i = 0; i < word.size(); ++i) buf[i] = ToLower(word[i]);
  const std::string_view w(buf, word.size());
  if (w.size() > 8) {
    if (w == "emergency") return Level::kCritical;
    if (w == "information" || w == "informational") return Level::kInfo;
    return std::nullopt;
  }
  switch (Pack(w)) {
    case Pack("info"):
      return Level::kInfo;
    case Pack("warn"):
    case Pack("warning"):
      return Level::kWarning;
    case Pack("error"):
    case Pack("err"):
    case Pack("severe"):
      return Level::kError;
    case Pack("debug"):
    case Pack("dbg"):
      return Level::kDebug;
    case Pack("trace"):
    case Pack("trc"):
      return Level::kTrace;
    case Pack("notice"):
      return Level::kNotice;
    case Pack("fatal"):
    case Pack("crit"):
    case Pack("critical"):
    case Pack("alert"):
    case Pack("emerg"):
    case Pack("panic"):
      return Level::kCritical;
    default:
      return std::nullopt;
  }
}

}  // namespace internal

namespace {

using internal::IsAlpha;
using internal::IsDigit;
using internal::IsSpace;

constexpr size_t kMaxTokens = 4;  // words looked at after the timestamp
constexpr size_t kMaxHead = 160;  // bytes of the line looked at

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
    case 'I':
      return Level::kInfo;
    case 'W':
      return Level::kWarning;
    case 'E':
      return Level::kError;
    case 'F':
      return Level::kCritical;
    default:
      return std::nullopt;
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
  int64_t ms;
  // The now_ms given here only decides the year of year-less dates, not where they end.
  return internal::DetectLevelAfter(line, internal::LeadingTimestamp(line, /*now_ms=*/0, &ms));
}

std::optional<Level> internal::DetectLevelAfter(std::string_view line, size_t timestamp_end) {
  if (auto pri = SyslogPriority(line)) return pri;
  if (auto glog = GlogLevel(line)) return glog;

  // Only the head of the first line: in a multi-line record the rest is a stack trace.
  line = line.substr(0, timestamp_end + kMaxHead);
  line = line.substr(0, line.find('\n'));
  size_t pos = timestamp_end;
  const size_t head_end = line.size();
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

    if (token.find('=') != std::string_view::npos) {
      if (auto kv = KeyValueLevel(token)) return kv;
    }
    size_t i = 0;
    while (i < token.size() && IsOpener(token[i])) ++i;
    const bool opened = i > 0;
    size_t core_end = i;
    while (core_end < token.size() && IsAlpha(token[core_end])) ++core_end;
    const std::string_view core = token.substr(i, core_end - i);
    const std::string_view rest = token.substr(core_end);
    if (std::none_of(token.begin(), token.end(), [](char c) { return IsAlpha(c) || IsDigit(c); })) {
      continue;
    }  // separators such as "-" or "|" do not count as words
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
