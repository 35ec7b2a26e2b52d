// Syslog messages as pure functions, no I/O: RFC 5424 and RFC 3164 ("BSD", what nginx, most
// network devices and `logger --rfc3164` send) into their parts, and those parts into a
// LogRecord. Never fails: what cannot be parsed becomes the message, as an RFC 3164 relay does.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/batch.h"

namespace hivewatch {

enum class SyslogFormat {
  kRfc5424,   // <PRI>1 TIMESTAMP HOSTNAME APP-NAME PROCID MSGID SD [MSG]
  kRfc3164,   // <PRI>Mmm dd hh:mm:ss HOSTNAME TAG[PID]: MSG
  kUnparsed,  // no header understood: everything after a valid PRI (or the whole text) is the
              // message
};

struct SyslogParam {
  std::string name;
  std::string value;  // unescaped (\" \\ \] → " \ ])
};

struct SyslogSdElement {
  std::string id;  // "timeQuality", "exampleSDID@32473"
  std::vector<SyslogParam> params;
};

struct SyslogMessage {
  SyslogFormat format = SyslogFormat::kUnparsed;
  bool has_pri = false;
  // Without a valid PRI, RFC 3164 §4.3.3 has the relay assume 13: facility user, severity notice.
  int facility = 1;              // 0..23
  int severity = 5;              // 0 (emerg) .. 7 (debug)
  std::optional<int64_t> ts_ms;  // absent: NILVALUE, no or an invalid timestamp
  std::string hostname;          // empty when absent or "-"
  std::string app_name;          // RFC 5424 APP-NAME or the RFC 3164 TAG
  std::string procid;            // RFC 5424 PROCID or the "[PID]" after the RFC 3164 TAG
  std::string msgid;             // RFC 5424 only
  std::vector<SyslogSdElement> structured_data;
  std::string message;  // the MSG part (a leading UTF-8 BOM removed); raw bytes, not repaired
};

// Parses one message (a UDP datagram or one TCP frame). Trailing CR, LF and NUL bytes are
// ignored. RFC 3164 timestamps carry no year and no zone: they are taken in the agent's local
// time zone (as rsyslog and syslog-ng do) in the year of `now_ms`, or the year before when that
// would put them more than a day in the future (a December line read in January).
SyslogMessage ParseSyslogMessage(std::string_view text, int64_t now_ms);

// "kern", "user", … "local7" (RFC 5424 table 1, the names of syslog.h); "facility<N>" beyond.
const char* SyslogFacilityName(int facility);
// "emerg", "alert", "crit", "err", "warning", "notice", "info", "debug".
const char* SyslogSeverityName(int severity);
// Severity → hivewatch level: 0-2 critical, 3 error, 4 warning, 5 notice, 6 info, 7 debug.
Level SyslogSeverityLevel(int severity);

struct SyslogRecordOptions {
  std::string default_service = "syslog";  // when the message names no app
  int64_t received_ms = 0;                 // ts when the message has none
  std::string peer_host;                   // `hostname` when the message has none
  bool truncated = false;  // the transport cut the message (sets hw_truncated = "true")
};

// The LogRecord for a parsed message: service = app name (else default_service), level from
// the severity, ts from the message (else received_ms), message; fields `hostname`, `facility`,
// `severity` (names), `procid`, `msgid` when present, and each structured-data parameter as
// `<SD-ID>.<PARAM-NAME>` (repeated names joined with ","), hw_truncated = "true" when the
// message was cut. Text is made valid UTF-8 and cut to the push limits (record_text.h); fields
// beyond 32 are dropped, structured data first.
LogRecord SyslogToLogRecord(const SyslogMessage& msg, const SyslogRecordOptions& options);

}  // namespace hivewatch
