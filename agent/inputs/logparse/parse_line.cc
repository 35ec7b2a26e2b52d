// ParseLine: one assembled line → LogRecord (structured fields first, then the text heuristics).
#include "agent/inputs/logparse/internal.h"
#include "agent/inputs/logparse/logparse.h"

namespace hivewatch::logparse {
namespace {

using internal::IsDigit;

// Level from a structured field: a name ("warn"), a syslog severity ("4") or a pino/bunyan
// number (10 trace … 60 fatal).
std::optional<Level> StructuredLevel(std::string_view v) {
  if (!v.empty() && v.size() <= 3 && IsDigit(v[0])) {
    int n = 0;
    for (char c : v) {
      if (!IsDigit(c)) return std::nullopt;
      n = n * 10 + (c - '0');
    }
    if (n <= 7) return ParseLevel(v);
    if (n % 10 != 0 || n < 10 || n > 60) return std::nullopt;
    static constexpr Level kPino[] = {Level::kTrace, Level::kDebug, Level::kInfo,
                                      Level::kWarning, Level::kError, Level::kCritical};
    return kPino[n / 10 - 1];
  }
  return internal::LevelWord(v);
}

// Epoch seconds (with an optional fraction), millis, micros or nanos, told apart by magnitude:
// below 1e11 are seconds (until year 5138), below 1e14 millis, below 1e17 micros, else nanos.
std::optional<int64_t> EpochMs(std::string_view v) {
  size_t i = 0;
  int64_t whole = 0;
  while (i < v.size() && IsDigit(v[i])) {
    if (i >= 19) return std::nullopt;
    whole = whole * 10 + (v[i] - '0');
    ++i;
  }
  if (i == 0) return std::nullopt;
  int frac_ms = 0;
  if (i < v.size() && v[i] == '.') {
    ++i;
    int digits = 0;
    while (i < v.size() && IsDigit(v[i])) {
      if (digits < 3) frac_ms = frac_ms * 10 + (v[i] - '0');
      ++digits;
      ++i;
    }
    if (digits == 0) return std::nullopt;
    for (; digits < 3; ++digits) frac_ms *= 10;
  }
  if (i != v.size() || whole == 0) return std::nullopt;
  if (whole < 100000000000LL) return whole * 1000 + frac_ms;
  if (whole < 100000000000000LL) return whole;
  if (whole < 100000000000000000LL) return whole / 1000;
  return whole / 1000000;
}

std::optional<int64_t> StructuredTime(std::string_view v, int64_t now_ms) {
  if (auto epoch = EpochMs(v)) return epoch;
  int64_t ms;
  size_t end;
  if (internal::ParseTimestampAt(v, now_ms, &ms, &end) && end == v.size()) return ms;
  return std::nullopt;
}

// Takes the first of `keys` whose value `parse` accepts out of `fields`.
template <typename T, typename Parse>
std::optional<T> TakeField(Labels* fields, std::initializer_list<const char*> keys, Parse parse) {
  for (const char* key : keys) {
    auto it = fields->find(key);
    if (it == fields->end()) continue;
    if (std::optional<T> value = parse(it->second)) {
      fields->erase(it);
      return value;
    }
  }
  return std::nullopt;
}

}  // namespace

LogRecord ParseLine(std::string_view line, int64_t fallback_ts_ms, int64_t now_ms,
                    const ParseOptions& options) {
  LogRecord record;
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);  // CRLF files
  bool structured = false;
  size_t first = 0;
  while (first < line.size() && internal::IsSpace(line[first])) ++first;
  if (options.parse_json && first < line.size() && line[first] == '{') {
    structured = ParseJsonLine(line, &record.fields, &record.message);
  }
  if (!structured && options.parse_logfmt) {
    structured = ParseLogfmt(line, &record.fields, &record.message);
  }
  std::optional<Level> level;
  std::optional<int64_t> ts;
  if (structured) {
    level = TakeField<Level>(&record.fields, {"level", "severity", "lvl", "loglevel", "log.level"},
                             StructuredLevel);
    ts = TakeField<int64_t>(&record.fields, {"ts", "time", "timestamp", "@timestamp"},
                            [now_ms](std::string_view v) { return StructuredTime(v, now_ms); });
  } else {
    record.fields.clear();
    record.message.assign(line.data(), line.size());
  }
  if (!level) level = DetectLevel(record.message);
  if (!ts) ts = ExtractTimestampMs(record.message, now_ms);
  record.level = level.value_or(Level::kInfo);
  record.ts_ms = ts.value_or(fallback_ts_ms);
  return record;
}

}  // namespace hivewatch::logparse
