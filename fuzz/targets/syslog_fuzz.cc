// The agent's syslog input on arbitrary bytes: the TCP framer fed in two pieces, then every
// frame through the RFC 3164 / RFC 5424 parser and the mapping to a log record.
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "agent/inputs/syslog/syslog_framing.h"
#include "agent/inputs/syslog/syslog_parser.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  constexpr int64_t kNowMs = 1763800000000;
  hivewatch::SyslogRecordOptions options;
  options.received_ms = kNowMs;
  options.peer_host = "fuzz";
  // The whole input as one UDP datagram.
  (void)hivewatch::SyslogToLogRecord(hivewatch::ParseSyslogMessage(input, kNowMs), options);
  // And as a TCP stream, split where the first byte says.
  hivewatch::SyslogFramer framer(2048);
  std::vector<hivewatch::SyslogFrame> frames;
  const size_t split = size == 0 ? 0 : data[0] % (size + 1);
  framer.Feed(input.substr(0, split), &frames);
  framer.Feed(input.substr(split), &frames);
  framer.Finish(&frames);
  for (const hivewatch::SyslogFrame& frame : frames) {
    options.truncated = frame.truncated;
    (void)hivewatch::SyslogToLogRecord(hivewatch::ParseSyslogMessage(frame.text, kNowMs), options);
  }
  return 0;
}
