#include "agent/inputs/syslog/syslog_parser.h"

#include <cctype>
#include <ctime>
#include <string>

#include "agent/inputs/record_text.h"
#include "common/time_util.h"

namespace hivewatch {
namespace {

constexpr int64_t kDayMs = 24 * 3600 * 1000;

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// "<PRI>" at the start: 1 to 3 digits, 0..191. Advances `*pos` past it.
bool ParsePri(std::string_view s, size_t* pos, int* pri) {
  if (s.empty() || s[0] != '<') return false;
  size_t i = 1;
  int v = 0;
  while (i < s.size() && i <= 3 && IsDigit(s[i])) v = v * 10 + (s[i++] - '0');
  if (i == 1 || i >= s.size() || s[i] != '>' || v > 191) return false;
  *pri = v;
  *pos = i + 1;
  return true;
}

// The next token up to a space (or the end); `*pos` is left on the space.
std::string_view Token(std::string_view s, size_t* pos) {
  size_t start = *pos;
  size_t end = s.find(' ', start);
  if (end == std::string_view::npos) end = s.size();
  *pos = end;
  return s.substr(start, end - start);
}

void SkipSpaces(std::string_view s, size_t* pos) {
  while (*pos < s.size() && s[*pos] == ' ') ++*pos;
}

std::string_view StripBom(std::string_view s) {
  if (s.size() >= 3 && s.substr(0, 3) == "\xEF\xBB\xBF") s.remove_prefix(3);
  return s;
}

// ---- RFC 5424 ----

// NILVALUE "-" → empty.
std::string NilOr(std::string_view token) {
  return token == "-" ? std::string() : std::string(token);
}

// STRUCTURED-DATA at s[*pos]: "-" or one or more "[ID PARAM="VALUE" ...]".
bool ParseStructuredData(std::string_view s, size_t* pos, std::vector<SyslogSdElement>* out) {
  size_t i = *pos;
  if (i < s.size() && s[i] == '-') {
    *pos = i + 1;
    return true;
  }
  if (i >= s.size() || s[i] != '[') return false;
  while (i < s.size() && s[i] == '[') {
    ++i;
    SyslogSdElement element;
    while (i < s.size() && s[i] != ' ' && s[i] != ']' && s[i] != '=' && s[i] != '"') {
      element.id.push_back(s[i++]);
    }
    if (element.id.empty()) return false;
    while (true) {
      if (i >= s.size()) return false;
      if (s[i] == ']') {
        ++i;
        break;
      }
      if (s[i] != ' ') return false;
      ++i;
      SyslogParam param;
      while (i < s.size() && s[i] != '=' && s[i] != ' ' && s[i] != ']' && s[i] != '"') {
        param.name.push_back(s[i++]);
      }
      if (param.name.empty() || i + 1 >= s.size() || s[i] != '=' || s[i + 1] != '"') return false;
      i += 2;
      bool closed = false;
      while (i < s.size()) {
        char c = s[i++];
        if (c == '"') {
          closed = true;
          break;
        }
        // Only \" \\ \] are escapes; any other backslash is kept as it is (RFC 5424 §6.3.3).
        if (c == '\\' && i < s.size() && (s[i] == '"' || s[i] == '\\' || s[i] == ']')) c = s[i++];
        param.value.push_back(c);
      }
      if (!closed) return false;
      element.params.push_back(std::move(param));
    }
    out->push_back(std::move(element));
  }
  *pos = i;
  return true;
}

// After "<PRI>1 ". False when the header is malformed (the caller falls back).
bool ParseRfc5424(std::string_view s, size_t pos, SyslogMessage* m) {
  std::string_view ts = Token(s, &pos);
  if (ts.empty()) return false;
  if (ts != "-") {
    // ParseTimestampMs also takes bare epoch digits; RFC 5424 only has RFC 3339 ("YYYY-").
    if (ts.size() < 20 || ts[4] != '-') return false;
    Result<int64_t> parsed = ParseTimestampMs(ts);
    if (!parsed.ok()) return false;
    m->ts_ms = *parsed;
  }
  std::string_view parts[4];  // HOSTNAME APP-NAME PROCID MSGID
  for (std::string_view& part : parts) {
    if (pos >= s.size() || s[pos] != ' ') return false;
    ++pos;
    part = Token(s, &pos);
    if (part.empty()) return false;
  }
  if (pos >= s.size() || s[pos] != ' ') return false;
  ++pos;
  std::vector<SyslogSdElement> sd;
  if (!ParseStructuredData(s, &pos, &sd)) return false;
  if (pos < s.size() && s[pos] != ' ') return false;
  m->hostname = NilOr(parts[0]);
  m->app_name = NilOr(parts[1]);
  m->procid = NilOr(parts[2]);
  m->msgid = NilOr(parts[3]);
  m->structured_data = std::move(sd);
  m->message = std::string(StripBom(pos < s.size() ? s.substr(pos + 1) : std::string_view()));
  m->format = SyslogFormat::kRfc5424;
  return true;
}

// ---- RFC 3164 ----

int MonthIndex(std::string_view name) {
  static const char* const kMonths[] = {"jan", "feb", "mar", "apr", "may", "jun",
                                        "jul", "aug", "sep", "oct", "nov", "dec"};
  if (name.size() != 3) return -1;
  for (int i = 0; i < 12; ++i) {
    bool same = true;
    for (int k = 0; k < 3; ++k) {
      same = same && std::tolower(static_cast<unsigned char>(name[k])) == kMonths[i][k];
    }
    if (same) return i;
  }
  return -1;
}

int64_t LocalTimeMs(int year, int month0, int day, int hour, int min, int sec) {
  std::tm tm{};
  tm.tm_year = year - 1900;
  tm.tm_mon = month0;
  tm.tm_mday = day;
  tm.tm_hour = hour;
  tm.tm_min = min;
  tm.tm_sec = sec;
  tm.tm_isdst = -1;
  return static_cast<int64_t>(std::mktime(&tm)) * 1000;
}

// "Mmm dd hh:mm:ss" (day space-padded or not, optional ".fff"), or an RFC 3339 timestamp as
// rsyslog's high-precision forwarding puts in the same place. Advances `*pos` past it.
bool ParseRfc3164Timestamp(std::string_view s, size_t* pos, int64_t now_ms, int64_t* ts_ms) {
  size_t i = *pos;
  if (i + 4 < s.size() && IsDigit(s[i]) && s[i + 4] == '-') {
    std::string_view token = Token(s, &i);
    Result<int64_t> parsed = ParseTimestampMs(token);
    if (!parsed.ok() || token.size() < 20) return false;
    *ts_ms = *parsed;
    *pos = i;
    return true;
  }
  if (i + 3 >= s.size()) return false;
  int month = MonthIndex(s.substr(i, 3));
  if (month < 0 || s[i + 3] != ' ') return false;
  i += 4;
  if (i < s.size() && s[i] == ' ') ++i;  // "Jun  4"
  int day = 0, digits = 0;
  while (i < s.size() && IsDigit(s[i]) && digits < 2) day = day * 10 + (s[i++] - '0'), ++digits;
  if (digits == 0 || day < 1 || day > 31 || i >= s.size() || s[i] != ' ') return false;
  ++i;
  if (i + 8 > s.size()) return false;
  std::string_view hms = s.substr(i, 8);
  if (!IsDigit(hms[0]) || !IsDigit(hms[1]) || hms[2] != ':' || !IsDigit(hms[3]) ||
      !IsDigit(hms[4]) || hms[5] != ':' || !IsDigit(hms[6]) || !IsDigit(hms[7])) {
    return false;
  }
  int hour = (hms[0] - '0') * 10 + (hms[1] - '0');
  int min = (hms[3] - '0') * 10 + (hms[4] - '0');
  int sec = (hms[6] - '0') * 10 + (hms[7] - '0');
  if (hour > 23 || min > 59 || sec > 60) return false;
  i += 8;
  int64_t frac_ms = 0;
  if (i < s.size() && s[i] == '.') {
    size_t start = ++i;
    while (i < s.size() && IsDigit(s[i])) {
      if (i - start < 3) frac_ms = frac_ms * 10 + (s[i] - '0');
      ++i;
    }
    if (i == start) return false;
    for (size_t k = i - start; k < 3; ++k) frac_ms *= 10;
  }
  if (i < s.size() && s[i] != ' ') return false;
  const std::time_t now_s = static_cast<std::time_t>(now_ms / 1000);
  std::tm now_tm{};
  localtime_r(&now_s, &now_tm);
  const int year = now_tm.tm_year + 1900;
  int64_t ts = LocalTimeMs(year, month, day, hour, min, sec);
  if (ts > now_ms + kDayMs) {
    ts = LocalTimeMs(year - 1, month, day, hour, min, sec);
  } else {
    int64_t next = LocalTimeMs(year + 1, month, day, hour, min, sec);
    if (next <= now_ms + kDayMs) ts = next;
  }
  *ts_ms = ts + frac_ms;
  *pos = i;
  return true;
}

// "TAG:" or "TAG[PID]:" as the first token of the content; false leaves `m` untouched.
bool ParseTag(std::string_view token, SyslogMessage* m) {
  if (token.size() < 2 || token.back() != ':') return false;
  std::string_view tag = token.substr(0, token.size() - 1);
  std::string_view pid;
  if (tag.back() == ']') {
    size_t open = tag.rfind('[');
    if (open == std::string_view::npos) return false;
    pid = tag.substr(open + 1, tag.size() - open - 2);
    tag = tag.substr(0, open);
  }
  if (tag.empty() || tag.size() > 128 || tag.find(':') != std::string_view::npos ||
      tag.find('[') != std::string_view::npos) {
    return false;
  }
  m->app_name = std::string(tag);
  m->procid = std::string(pid);
  return true;
}

bool ParseRfc3164(std::string_view s, size_t pos, int64_t now_ms, SyslogMessage* m) {
  int64_t ts = 0;
  if (!ParseRfc3164Timestamp(s, &pos, now_ms, &ts)) return false;
  m->ts_ms = ts;
  m->format = SyslogFormat::kRfc3164;
  SkipSpaces(s, &pos);
  // HOSTNAME, unless the first token already looks like the tag (senders that leave it out).
  size_t after = pos;
  std::string_view token = Token(s, &after);
  if (!token.empty() && token.back() != ':' && token.find('[') == std::string_view::npos) {
    m->hostname = std::string(token);
    pos = after;
    SkipSpaces(s, &pos);
  }
  after = pos;
  token = Token(s, &after);
  if (ParseTag(token, m)) {
    pos = after;
    if (pos < s.size()) ++pos;  // the one space after "tag:"
  }
  m->message = std::string(s.substr(pos));
  return true;
}

}  // namespace

SyslogMessage ParseSyslogMessage(std::string_view text, int64_t now_ms) {
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == '\0')) {
    text.remove_suffix(1);
  }
  SyslogMessage m;
  size_t pos = 0;
  int pri = 0;
  if (ParsePri(text, &pos, &pri)) {
    m.has_pri = true;
    m.facility = pri / 8;
    m.severity = pri % 8;
    const bool version1 = pos + 1 < text.size() && text[pos] == '1' && text[pos + 1] == ' ';
    SyslogMessage parsed = m;
    if (version1 ? ParseRfc5424(text, pos + 2, &parsed)
                 : ParseRfc3164(text, pos, now_ms, &parsed)) {
      return parsed;
    }
    m.message = std::string(text.substr(pos));
    return m;
  }
  m.message = std::string(text);
  return m;
}

const char* SyslogFacilityName(int facility) {
  static const char* const kNames[] = {
      "kern",   "user",   "mail",     "daemon", "auth",   "syslog",   "lpr",     "news",
      "uucp",   "cron",   "authpriv", "ftp",    "ntp",    "security", "console", "solaris-cron",
      "local0", "local1", "local2",   "local3", "local4", "local5",   "local6",  "local7"};
  if (facility >= 0 && facility < 24) return kNames[facility];
  return "unknown";
}

const char* SyslogSeverityName(int severity) {
  static const char* const kNames[] = {"emerg",   "alert",  "crit", "err",
                                       "warning", "notice", "info", "debug"};
  if (severity >= 0 && severity < 8) return kNames[severity];
  return "unknown";
}

Level SyslogSeverityLevel(int severity) {
  switch (severity) {
    case 0:
    case 1:
    case 2:
      return Level::kCritical;
    case 3:
      return Level::kError;
    case 4:
      return Level::kWarning;
    case 5:
      return Level::kNotice;
    case 7:
      return Level::kDebug;
    default:
      return Level::kInfo;
  }
}

LogRecord SyslogToLogRecord(const SyslogMessage& msg, const SyslogRecordOptions& options) {
  using record_text::FitText;
  LogRecord r;
  r.ts_ms = msg.ts_ms ? *msg.ts_ms : options.received_ms;
  r.level = SyslogSeverityLevel(msg.severity);
  r.service = msg.app_name.empty() ? options.default_service
                                   : FitText(msg.app_name, record_text::kMaxFieldValueBytes);
  bool truncated = false;
  r.message = FitText(msg.message, record_text::kMaxMessageBytes, &truncated);

  auto add = [&r](std::string name, std::string_view value) {
    if (r.fields.size() >= record_text::kMaxFields) return;
    name = FitText(name, record_text::kMaxFieldNameBytes);
    if (name.empty()) return;
    r.fields[std::move(name)] = FitText(value, record_text::kMaxFieldValueBytes);
  };
  if (truncated || options.truncated) add("hw_truncated", "true");
  const std::string& host = msg.hostname.empty() ? options.peer_host : msg.hostname;
  if (!host.empty()) add("hostname", host);
  if (msg.has_pri) {
    add("facility", SyslogFacilityName(msg.facility));
    add("severity", SyslogSeverityName(msg.severity));
  }
  if (!msg.procid.empty()) add("procid", msg.procid);
  if (!msg.msgid.empty()) add("msgid", msg.msgid);
  for (const SyslogSdElement& element : msg.structured_data) {
    for (const SyslogParam& param : element.params) {
      std::string name = element.id + "." + param.name;
      auto it = r.fields.find(name);
      if (it != r.fields.end()) {
        it->second = FitText(it->second + "," + param.value, record_text::kMaxFieldValueBytes);
      } else {
        add(std::move(name), param.value);
      }
    }
  }
  return r;
}

}  // namespace hivewatch
