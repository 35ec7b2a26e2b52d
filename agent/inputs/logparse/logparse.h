// Turning raw log lines into LogRecords: pure functions, no I/O, shared by the log inputs.
// The file input applies, per line: RepairUtf8 → multiline assembly → ParseLine.
#pragma once

#include <cstdint>
#include <optional>
#include <regex>
#include <string>
#include <string_view>
#include <vector>

#include "common/batch.h"
#include "common/level.h"

namespace hivewatch::logparse {

// Replaces every invalid UTF-8 sequence with U+FFFD (as WHATWG / Python's "replace" do: one
// replacement per maximal invalid subpart). Valid input is returned unchanged. NULs are kept.
std::string RepairUtf8(std::string_view text);
bool IsValidUtf8(std::string_view text);

// Level from common formats, most specific first: JSON/logfmt `level`/`severity`/`lvl` fields
// (handled by ParseLine), syslog "<PRI>" prefixes, bracketed or bare level words near the start
// of the line (`[error]`, `ERROR`, `WARN`, `W1123` glog-style, `level=warn`), case-insensitive
// with the usual aliases (warning, err, crit, fatal, panic, emerg, alert, notice, trace, dbg).
// nullopt when nothing is recognised (the caller defaults to info).
//
// The rule, so that "error" in the middle of a message does not make the line an error:
//  1. "<PRI>" (syslog) → its severity; glog "I1123 12:00:00" → I/W/E/F.
//  2. Skip a leading timestamp (any format of ExtractTimestampMs, bracketed or not), then look
//     at the next 4 words (separators such as "-" or "|" do not count) within 160 bytes, and at
//     most one word past the first word ending in ':' (a tag like "sshd[24200]:" or
//     "dfs.FSNamesystem:" ends the header; the word after it is the message's first word).
//  3. A word is a level when its letters are a level name or alias and it is
//     `level=`/`lvl=`/`severity=` + name, or bracketed ("[error]", "<warn>", "(INFO)"), or
//     written in capitals ("ERROR", "WARN:", "ERROR:root:msg"), or is the message's first word
//     followed by ':' ("warning: ...", "error: ...", "fatal: ..."). Lower-case words without
//     brackets or colon ("... an error occurred") never count.
// So "Jun 14 15:16:01 combo sshd[1]: authentication failure" has no level, "... xinetd[2]:
// warning: can't get client address" is a warning and "... logrotate: ALERT exited" critical.
std::optional<Level> DetectLevel(std::string_view line);

// A timestamp at (or near) the start of the line, in the formats seen in ../shared/data/logs/
// and the common ones: RFC 3339 / ISO 8601 (with or without T, fraction, zone), "2006-01-02
// 15:04:05,000", syslog "Jun 14 15:16:01" (year from `now_ms`, rolled back a year if that would
// be > 1 day in the future), HDFS "081109 203615", Hadoop "2015-10-18 18:01:47,978", epoch
// seconds/millis in JSON fields (handled by ParseLine), Apache/nginx "[10/Oct/2000:13:55:36
// -0700]", ctime "Wed Oct 11 14:32:52 2000" (Apache error log), nginx error log "2006/01/02
// 15:04:05", glog "I1123 12:00:00.123456" (year as for syslog), epoch at the start of the line
// (10 digits of seconds with an optional fraction as squid writes, or 13 of millis). Accepted
// at the start of the line (after an optional syslog "<PRI>"/RFC 5424 version and '['), or in
// the first '['-bracketed group within 128 bytes (access logs). Times without a zone are taken
// as UTC; fractions beyond milliseconds are truncated. nullopt when none is found.
std::optional<int64_t> ExtractTimestampMs(std::string_view line, int64_t now_ms);

// Structured lines. A JSON object line gives its scalar members as fields (nested objects and
// arrays as their JSON text) and the message from `message`/`msg`/`log` when present (else
// the whole line); a logfmt line (at least two key=value pairs) gives its pairs as fields and
// the message from `msg`/`message` when present. Both false/empty for anything else.
// The member used as message is not repeated in fields; JSON nulls are left out; numbers are
// kept as JSON text (simdjson's, so 1.50 becomes "1.5"). A logfmt line is only taken as such
// when every word is key=value (key: a letter or '_', then letters, digits, "_.-/@:"; value
// bare or "quoted" with \" \\ \n \t \r escapes): the key=value pairs inside syslog text
// ("... logname= uid=0 euid=0") do not make it logfmt.
bool ParseJsonLine(std::string_view line, Labels* fields, std::string* message);
bool ParseLogfmt(std::string_view line, Labels* fields, std::string* message);

struct ParseOptions {
  bool parse_json = true;
  bool parse_logfmt = true;
};

// A full record from one (already assembled, valid UTF-8) line: message, fields, level
// (structured field first, then DetectLevel, else info) and ts_ms (ExtractTimestampMs or a
// structured time field, else `fallback_ts_ms`). `service` is left to the caller.
// Structured level fields: `level`, `severity`, `lvl`, `loglevel`, `log.level` (names,
// syslog numbers 0-7, pino/bunyan 10-60); time fields: `ts`, `time`, `timestamp`,
// `@timestamp` (epoch s/ms/µs/ns told apart by magnitude, fractions allowed, or any text format
// of ExtractTimestampMs). A field used for level or time is removed from `fields`. A trailing
// '\r' (CRLF files) is dropped. Plain lines keep the whole line as message.
LogRecord ParseLine(std::string_view line, int64_t fallback_ts_ms, int64_t now_ms,
                    const ParseOptions& options = {});

// Splits `line` into pieces of at most max_bytes without cutting a UTF-8 sequence in two.
// The caller marks every piece but the last as continued (field "hw_truncated" = "true").
// Always at least one piece (an empty line gives one empty piece). Only when max_bytes < 4 can a
// piece be longer than max_bytes (by the rest of one sequence); an invalid run of continuation
// bytes is cut where it falls.
std::vector<std::string_view> SplitLongLine(std::string_view line, size_t max_bytes);

// Multi-line records (stack traces, tracebacks). Lines go in one at a time; complete records
// come out. With `start`, a record starts at each line where std::regex_search finds it and
// every other line continues the record. Without it, a line continues the record when it
//  - starts with a space or tab ("\tat com.foo...", "  File \"x.py\"", "\t... 5 more"),
//  - starts with "Caused by:", "Suppressed:", "Traceback (most recent call last):", "During
//    handling of the above exception", "The above exception was the direct cause",
//  - is a qualified Java exception class ("java.lang.IllegalStateException: boom"), printed on
//    the line after the log line that reports it,
//  - in a Python traceback: is empty, or follows an indented line and looks like
//    "ValueError: bad" / "pkg.mod.Error";
// any other line starts a new record. Lines are joined with '\n'. A record is complete when the
// next record starts, when it would exceed max_bytes or max_lines (the line that does not fit
// starts the next record; a single line longer than max_bytes is a record of its own), or on
// Flush. Not thread-safe.
class MultilineAssembler {
 public:
  struct Options {
    std::optional<std::regex> start;  // multiline.start
    size_t max_bytes = 256 * 1024;    // a record never grows beyond this; it is flushed instead
    size_t max_lines = 500;
  };
  explicit MultilineAssembler(Options options);
  // Adds one line (without '\n'); returns the record completed by it, if any.
  std::optional<std::string> Add(std::string_view line);
  // Flushes the pending record (on idle timeout or end of input).
  std::optional<std::string> Flush();
  bool has_pending() const { return has_pending_; }

 private:
  bool Continues(std::string_view line) const;

  Options options_;
  std::string pending_;
  size_t pending_lines_ = 0;
  bool has_pending_ = false;
  bool in_traceback_ = false;   // the pending record holds a Python traceback
  bool last_indented_ = false;  // the last line added started with whitespace
};

}  // namespace hivewatch::logparse
