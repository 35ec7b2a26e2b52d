// Timestamp extraction from the start of a log line: a hand-written parser per format (no
// std::regex: this runs for every line the agent reads).
#include "agent/inputs/logparse/internal.h"
#include "agent/inputs/logparse/logparse.h"
#include "common/time_util.h"

namespace hivewatch::logparse {
namespace {

using internal::IsAlpha;
using internal::IsDigit;

constexpr int64_t kDayMs = 86400 * 1000LL;

// Reads exactly n digits at s[pos].
inline bool Digits(std::string_view s, size_t pos, size_t n, int* out) {
  if (pos + n > s.size()) return false;
  int v = 0;
  for (size_t i = pos; i < pos + n; ++i) {
    if (!IsDigit(s[i])) return false;
    v = v * 10 + (s[i] - '0');
  }
  *out = v;
  return true;
}

inline bool At(std::string_view s, size_t pos, char c) { return pos < s.size() && s[pos] == c; }

// "Jan".."Dec" (case-insensitive) at s[pos] → 1..12, else 0.
int MonthAt(std::string_view s, size_t pos) {
  if (pos + 3 > s.size()) return 0;
  const char a = internal::ToLower(s[pos]), b = internal::ToLower(s[pos + 1]),
             c = internal::ToLower(s[pos + 2]);
  static const char kNames[] = "janfebmaraprmayjunjulaugsepoctnovdec";
  for (int m = 0; m < 12; ++m) {
    if (kNames[m * 3] == a && kNames[m * 3 + 1] == b && kNames[m * 3 + 2] == c) return m + 1;
  }
  return 0;
}

bool IsWeekdayAt(std::string_view s, size_t pos) {
  if (pos + 3 > s.size()) return false;
  const char a = internal::ToLower(s[pos]), b = internal::ToLower(s[pos + 1]),
             c = internal::ToLower(s[pos + 2]);
  static const char kNames[] = "montuewedthufrisatsun";
  for (int d = 0; d < 7; ++d) {
    if (kNames[d * 3] == a && kNames[d * 3 + 1] == b && kNames[d * 3 + 2] == c) return true;
  }
  return false;
}

struct Civil {
  int year = 1970, month = 1, day = 1, hour = 0, minute = 0, second = 0;
  int millis = 0;
  int64_t offset_s = 0;  // local time = UTC + offset
};

bool Valid(const Civil& c) {
  return c.month >= 1 && c.month <= 12 && c.day >= 1 &&
         c.day <= DaysInMonth(c.year, c.month) && c.hour <= 23 && c.minute <= 59 &&
         c.second <= 60;
}

int64_t ToMs(const Civil& c) {
  const int64_t days =
      DaysFromCivil(c.year, static_cast<unsigned>(c.month), static_cast<unsigned>(c.day));
  return (days * 86400 + c.hour * 3600 + c.minute * 60 + c.second - c.offset_s) * 1000 + c.millis;
}

// "HH:MM:SS" or "HH:MM" (seconds optional when allowed), then an optional fraction ('.' or
// ','). Advances *pos.
bool ParseClock(std::string_view s, size_t* pos, bool seconds_optional, Civil* c) {
  size_t p = *pos;
  if (!Digits(s, p, 2, &c->hour) || !At(s, p + 2, ':') || !Digits(s, p + 3, 2, &c->minute)) {
    return false;
  }
  p += 5;
  if (At(s, p, ':') && Digits(s, p + 1, 2, &c->second)) {
    p += 3;
    if ((At(s, p, '.') || At(s, p, ',')) && p + 1 < s.size() && IsDigit(s[p + 1])) {
      ++p;
      int digits = 0, ms = 0;
      while (p < s.size() && IsDigit(s[p])) {
        if (digits < 3) ms = ms * 10 + (s[p] - '0');
        ++digits;
        ++p;
      }
      for (; digits < 3; ++digits) ms *= 10;
      c->millis = ms;
    }
  } else if (!seconds_optional) {
    return false;
  }
  if (p < s.size() && IsDigit(s[p])) return false;  // "12:345"
  *pos = p;
  return true;
}

// A zone after the clock: Z, ±HH, ±HHMM, ±HH:MM, or after one space ±HHMM, UTC, GMT, Z.
// Absent zones leave UTC. Advances *pos only over what it recognises.
void ParseZone(std::string_view s, size_t* pos, Civil* c) {
  size_t p = *pos;
  if (At(s, p, 'Z') || At(s, p, 'z')) {
    *pos = p + 1;
    return;
  }
  bool spaced = false;
  if (At(s, p, ' ')) {
    if (s.substr(p + 1, 3) == "UTC" || s.substr(p + 1, 3) == "GMT") {
      if (p + 4 == s.size() || !IsAlpha(s[p + 4])) *pos = p + 4;
      return;
    }
    spaced = true;
    ++p;
  }
  if (!At(s, p, '+') && !At(s, p, '-')) return;
  const int sign = s[p] == '+' ? 1 : -1;
  int hh, mm = 0;
  if (!Digits(s, p + 1, 2, &hh)) return;
  size_t q = p + 3;
  if (At(s, q, ':') && Digits(s, q + 1, 2, &mm)) {
    q += 3;
  } else if (Digits(s, q, 2, &mm)) {
    q += 2;
  } else if (spaced) {
    return;  // " -07" is more likely text than a zone
  }
  if (q < s.size() && IsDigit(s[q])) return;
  if (hh > 23 || mm > 59) return;
  c->offset_s = sign * (hh * 3600 + mm * 60);
  *pos = q;
}

// A date without a year (syslog, glog): the year of `now_ms`, or the one before when that would
// put the time more than a day in the future (a December line read in January).
bool ResolveYear(Civil* c, int64_t now_ms) {
  const int64_t days = (now_ms >= 0 ? now_ms : now_ms - kDayMs + 1) / kDayMs;
  // Year of `days` (inverse of DaysFromCivil, year only).
  const int64_t z = days + 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const int64_t doe = z - era * 146097;
  const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const int64_t mp = (5 * doy + 2) / 153;
  const int64_t month = mp < 10 ? mp + 3 : mp - 9;
  const int year = static_cast<int>(yoe + era * 400 + (month <= 2));
  // Feb 29 needs a leap year: look back up to 7 years (2100 is not one).
  for (int y = year; y > year - 8; --y) {
    c->year = y;
    if (!Valid(*c)) continue;
    if (y == year && ToMs(*c) > now_ms + kDayMs) continue;
    return true;
  }
  return false;
}

// 2006-01-02T15:04:05.000Z, 2006-01-02 15:04:05,000, 2006/01/02 15:04:05 (nginx), with
// optional seconds, fraction and zone.
bool ParseIso(std::string_view s, int64_t* ms, size_t* end) {
  Civil c;
  if (!Digits(s, 0, 4, &c.year)) return false;
  const char sep = s.size() > 4 ? s[4] : 0;
  if ((sep != '-' && sep != '/') || !Digits(s, 5, 2, &c.month) || !At(s, 7, sep) ||
      !Digits(s, 8, 2, &c.day)) {
    return false;
  }
  if (s.size() < 11 || (s[10] != 'T' && s[10] != 't' && s[10] != ' ' && s[10] != '_')) {
    return false;
  }
  size_t p = 11;
  if (!ParseClock(s, &p, /*seconds_optional=*/true, &c)) return false;
  ParseZone(s, &p, &c);
  if (!Valid(c)) return false;
  *ms = ToMs(c);
  *end = p;
  return true;
}

// HDFS: "081109 203615" (yyMMdd HHmmss).
bool ParseHdfs(std::string_view s, int64_t* ms, size_t* end) {
  Civil c;
  int hhmmss;
  if (!Digits(s, 0, 2, &c.year) || !Digits(s, 2, 2, &c.month) || !Digits(s, 4, 2, &c.day) ||
      !At(s, 6, ' ') || !Digits(s, 7, 6, &hhmmss)) {
    return false;
  }
  if (s.size() > 13 && (IsDigit(s[13]) || IsAlpha(s[13]))) return false;
  c.year += 2000;
  c.hour = hhmmss / 10000;
  c.minute = hhmmss / 100 % 100;
  c.second = hhmmss % 100;
  if (!Valid(c)) return false;
  *ms = ToMs(c);
  *end = 13;
  return true;
}

// Apache/nginx access log: "10/Oct/2000:13:55:36 -0700".
bool ParseCommonLog(std::string_view s, int64_t* ms, size_t* end) {
  Civil c;
  if (!Digits(s, 0, 2, &c.day) || !At(s, 2, '/') || (c.month = MonthAt(s, 3)) == 0 ||
      !At(s, 6, '/') || !Digits(s, 7, 4, &c.year) || !At(s, 11, ':')) {
    return false;
  }
  size_t p = 12;
  if (!ParseClock(s, &p, /*seconds_optional=*/false, &c)) return false;
  ParseZone(s, &p, &c);
  if (!Valid(c)) return false;
  *ms = ToMs(c);
  *end = p;
  return true;
}

// Epoch at the start of a line: 10 digits of seconds (optionally with a fraction, as squid
// writes) or 13 digits of milliseconds, followed by a space, ']' , ',' or the end.
bool ParseEpoch(std::string_view s, int64_t* ms, size_t* end) {
  size_t p = 0;
  int64_t v = 0;
  while (p < s.size() && IsDigit(s[p]) && p < 14) v = v * 10 + (s[p++] - '0');
  int64_t result;
  if (p == 10) {
    result = v * 1000;
    if (At(s, p, '.') && p + 1 < s.size() && IsDigit(s[p + 1])) {
      ++p;
      int digits = 0, frac = 0;
      while (p < s.size() && IsDigit(s[p])) {
        if (digits < 3) frac = frac * 10 + (s[p] - '0');
        ++digits;
        ++p;
      }
      for (; digits < 3; ++digits) frac *= 10;
      result += frac;
    }
  } else if (p == 13) {
    result = v;
  } else {
    return false;
  }
  if (p < s.size() && s[p] != ' ' && s[p] != '\t' && s[p] != ']' && s[p] != ',') return false;
  if (result < 1000000000000LL) return false;  // before 2001-09-09: more likely a number
  *ms = result;
  *end = p;
  return true;
}

// Syslog "Jun 14 15:16:01" / "Jun  4 15:16:01.123", optionally with a year after the day
// ("Jun 14 2024 15:16:01"). The year otherwise comes from now_ms.
bool ParseSyslog(std::string_view s, int64_t now_ms, int64_t* ms, size_t* end) {
  Civil c;
  if ((c.month = MonthAt(s, 0)) == 0 || !At(s, 3, ' ')) return false;
  size_t p = 4;
  if (At(s, p, ' ')) ++p;  // "Jun  4"
  if (p < s.size() && IsDigit(s[p]) && p + 1 < s.size() && IsDigit(s[p + 1])) {
    c.day = (s[p] - '0') * 10 + (s[p + 1] - '0');
    p += 2;
  } else if (p < s.size() && IsDigit(s[p])) {
    c.day = s[p] - '0';
    p += 1;
  } else {
    return false;
  }
  if (!At(s, p, ' ')) return false;
  ++p;
  int year = 0;
  const bool has_year = Digits(s, p, 4, &year) && At(s, p + 4, ' ');
  if (has_year) p += 5;
  if (!ParseClock(s, &p, /*seconds_optional=*/false, &c)) return false;
  if (has_year) {
    c.year = year;
    ParseZone(s, &p, &c);
    if (!Valid(c)) return false;
  } else if (!ResolveYear(&c, now_ms)) {
    return false;
  }
  *ms = ToMs(c);
  *end = p;
  return true;
}

// ctime / Apache error log: "Wed Oct 11 14:32:52 2000" (also with a fraction before the year).
bool ParseCtime(std::string_view s, int64_t* ms, size_t* end) {
  if (!IsWeekdayAt(s, 0) || !At(s, 3, ' ')) return false;
  Civil c;
  if ((c.month = MonthAt(s, 4)) == 0 || !At(s, 7, ' ')) return false;
  size_t p = 8;
  if (At(s, p, ' ')) ++p;
  if (p + 1 < s.size() && IsDigit(s[p]) && IsDigit(s[p + 1])) {
    c.day = (s[p] - '0') * 10 + (s[p + 1] - '0');
    p += 2;
  } else if (p < s.size() && IsDigit(s[p])) {
    c.day = s[p++] - '0';
  } else {
    return false;
  }
  if (!At(s, p, ' ')) return false;
  ++p;
  if (!ParseClock(s, &p, /*seconds_optional=*/false, &c)) return false;
  if (!At(s, p, ' ') || !Digits(s, p + 1, 4, &c.year)) return false;
  p += 5;
  if (!Valid(c)) return false;
  *ms = ToMs(c);
  *end = p;
  return true;
}

// glog: "I1123 12:00:00.123456" (level letter, MMDD, clock; the year from now_ms).
bool ParseGlog(std::string_view s, int64_t now_ms, int64_t* ms, size_t* end) {
  Civil c;
  if (!Digits(s, 1, 2, &c.month) || !Digits(s, 3, 2, &c.day) || !At(s, 5, ' ')) return false;
  size_t p = 6;
  if (!ParseClock(s, &p, /*seconds_optional=*/false, &c)) return false;
  if (!ResolveYear(&c, now_ms)) return false;
  *ms = ToMs(c);
  *end = p;
  return true;
}

// "<PRI>" and an RFC 5424 version ("<34>1 2003-10-11T22:14:15.003Z ..."), then '['.
size_t SkipPrefix(std::string_view line, bool* bracket) {
  size_t p = 0;
  if (At(line, 0, '<')) {
    size_t q = 1;
    while (q < line.size() && q < 5 && IsDigit(line[q])) ++q;
    if (q > 1 && At(line, q, '>')) {
      p = q + 1;
      if (p + 1 < line.size() && IsDigit(line[p]) && line[p + 1] == ' ') p += 2;
    }
  }
  *bracket = At(line, p, '[');
  if (*bracket) ++p;
  return p;
}

}  // namespace

namespace internal {

bool ParseTimestampAt(std::string_view s, int64_t now_ms, int64_t* ms, size_t* end) {
  if (s.empty()) return false;
  const char c = s[0];
  if (IsDigit(c)) {
    if (s.size() > 4 && (s[4] == '-' || s[4] == '/')) return ParseIso(s, ms, end);
    if (s.size() > 6 && s[6] == ' ') return ParseHdfs(s, ms, end);
    if (s.size() > 2 && s[2] == '/') return ParseCommonLog(s, ms, end);
    return ParseEpoch(s, ms, end);
  }
  if (IsAlpha(c)) {
    if (s.size() > 3 && s[3] == ' ') {
      return ParseSyslog(s, now_ms, ms, end) || ParseCtime(s, ms, end);
    }
    if ((c == 'I' || c == 'W' || c == 'E' || c == 'F') && s.size() > 5 && s[5] == ' ') {
      return ParseGlog(s, now_ms, ms, end);
    }
  }
  return false;
}

size_t LeadingTimestamp(std::string_view line, int64_t now_ms, int64_t* ms) {
  bool bracket;
  const size_t p = SkipPrefix(line, &bracket);
  size_t end;
  if (!ParseTimestampAt(line.substr(p), now_ms, ms, &end)) return 0;
  end += p;
  if (bracket && At(line, end, ']')) ++end;
  return end;
}

std::optional<int64_t> FindTimestamp(std::string_view line, int64_t now_ms, size_t* leading_end) {
  int64_t ms;
  *leading_end = LeadingTimestamp(line, now_ms, &ms);
  if (*leading_end > 0) return ms;
  // Not at the start: a bracketed timestamp a little further on, as in the access log
  // `127.0.0.1 - frank [10/Oct/2000:13:55:36 -0700] "GET ..."`.
  constexpr size_t kNear = 128;
  std::string_view head = line.substr(0, kNear);
  head = head.substr(0, head.find('\n'));  // the first line of a multi-line record
  size_t end;
  for (size_t i = head.find('['); i != std::string_view::npos; i = head.find('[', i + 1)) {
    if (ParseTimestampAt(line.substr(i + 1), now_ms, &ms, &end)) return ms;
  }
  return std::nullopt;
}

}  // namespace internal

std::optional<int64_t> ExtractTimestampMs(std::string_view line, int64_t now_ms) {
  size_t leading_end;
  return internal::FindTimestamp(line, now_ms, &leading_end);
}

}  // namespace hivewatch::logparse
