// SyslogInput: receives syslog over UDP (one message per datagram) and/or TCP (RFC 6587
// octet-counting or newline framing), parses RFC 5424 and RFC 3164 (syslog_parser.h) and hands
// the records to the LogSink. One I/O thread (Boost.Asio) serves every socket; a LogSink that
// blocks (backpressure) pauses reading. A network source has no position to resume from: Emit
// gets an empty checkpoint key. Start, Stop and the port accessors from one thread (the owner's).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "agent/inputs/logs.h"
#include "common/status.h"

namespace hivewatch {

// [inputs.syslog] in the agent's TOML (docs/configuration.md).
struct SyslogInputConfig {
  // "HOST:PORT" to receive UDP datagrams on, e.g. "127.0.0.1:5514", "0.0.0.0:514", "[::1]:5514"
  // or ":5514" (all IPv4 addresses). Port 0 picks a free port (see SyslogInput::udp_port).
  // Empty: no UDP. Default "127.0.0.1:5514".
  std::string udp_listen = "127.0.0.1:5514";
  // "HOST:PORT" to accept TCP connections on, same forms. Empty: no TCP. Default: empty.
  std::string tcp_listen;
  // Longest message kept, in bytes (the header included); a longer one is cut to this size and
  // gets the field hw_truncated = "true". From 480 (RFC 3164's minimum) to 1 MiB.
  // Default 65536 (a UDP datagram cannot be larger).
  size_t max_message_bytes = 64 * 1024;
  // Service for messages that name no app (no RFC 5424 APP-NAME, no RFC 3164 TAG).
  // Default "syslog".
  std::string default_service = "syslog";
  // TCP connections served at once; a connection beyond it is closed right after accept (with
  // a warning). Default 256.
  size_t max_connections = 256;
};

// Checks a configuration without opening sockets (for --check-config): at least one of
// udp_listen / tcp_listen, each a valid HOST:PORT, and the sizes in range. Errors name the key.
Status ValidateSyslogInputConfig(const SyslogInputConfig& config);

// Splits "HOST:PORT" / "[V6]:PORT" / ":PORT" (host "0.0.0.0") into its parts.
Status ParseListenAddress(std::string_view text, std::string* host, uint16_t* port);

class SyslogInput : public LogInput {
 public:
  explicit SyslogInput(SyslogInputConfig config);
  ~SyslogInput() override;  // Stop()
  SyslogInput(const SyslogInput&) = delete;
  SyslogInput& operator=(const SyslogInput&) = delete;

  const char* Name() const override { return "syslog"; }
  // Binds the configured sockets, then starts the I/O thread. Fails (nothing left open) when
  // the configuration is invalid or an address cannot be bound, naming the address and cause.
  // `resume` is ignored: syslog has no checkpoints.
  Status Start(const Checkpoints& resume, LogSink* sink) override;
  void Stop() override;

  // The bound ports between a successful Start and Stop (the real one when configured with
  // port 0); 0 for a protocol that is not configured, before Start and after Stop.
  uint16_t udp_port() const;
  uint16_t tcp_port() const;

 private:
  struct Impl;
  SyslogInputConfig config_;
  std::unique_ptr<Impl> impl_;
};

}  // namespace hivewatch
