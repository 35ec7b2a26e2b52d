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
std::optional<Level> DetectLevel(std::string_view line);

// A timestamp at (or near) the start of the line, in the formats seen in ../shared/data/logs/
// and the common ones: RFC 3339 / ISO 8601 (with or without T, fraction, zone), "2006-01-02
// 15:04:05,000", syslog "Jun 14 15:16:01" (year from `now_ms`, rolled back a year if that would
// be > 1 day in the future), HDFS "081109 203615", Hadoop "2015-10-18 18:01:47,978", epoch
// seconds/millis in JSON fields (handled by ParseLine), Apache/nginx "[10/Oct/2000:13:55:36
// -0700]". Times without a zone are taken as UTC. nullopt when none is found.
std::optional<int64_t> ExtractTimestampMs(std::string_view line, int64_t now_ms);

// Structured lines. A JSON object line gives its scalar members as fields (nested objects and
// arrays as their JSON text) and the message from `message`/`msg`/`log` when present (else
// the whole line); a logfmt line (at least two key=value pairs) gives its pairs as fields and
// the message from `msg`/`message` when present. Both false/empty for anything else.
bool ParseJsonLine(std::string_view line, Labels* fields, std::string* message);
bool ParseLogfmt(std::string_view line, Labels* fields, std::string* message);

struct ParseOptions {
  bool parse_json = true;
  bool parse_logfmt = true;
};

// A full record from one (already assembled, valid UTF-8) line: message, fields, level
// (structured field first, then DetectLevel, else info) and ts_ms (ExtractTimestampMs or a
// structured time field, else `fallback_ts_ms`). `service` is left to the caller.
LogRecord ParseLine(std::string_view line, int64_t fallback_ts_ms, int64_t now_ms,
                    const ParseOptions& options = {});

// Splits `line` into pieces of at most max_bytes without cutting a UTF-8 sequence in two.
// The caller marks every piece but the last as continued (field "hw_truncated" = "true").
std::vector<std::string_view> SplitLongLine(std::string_view line, size_t max_bytes);

// Multi-line records (stack traces, tracebacks). Lines go in one at a time; complete records
// come out. A record starts at a line matching `start` (when set) or, without a start pattern,
// at any line that is not a continuation (starts with whitespace, or "Caused by:", "...",
// "Traceback"-style follow-ups: a line starting with whitespace or with "Caused by:" continues
// the previous record). Records are joined with '\n'. Not thread-safe.
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
  Options options_;
  std::string pending_;
  size_t pending_lines_ = 0;
  bool has_pending_ = false;
};

}  // namespace hivewatch::logparse
