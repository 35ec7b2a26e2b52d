// SyslogInput on loopback ports chosen by the kernel, fed by the real util-linux `logger`
// (UDP and TCP, RFC 3164 and RFC 5424, newline and octet-counting framing) and by raw sockets
// for what logger cannot send (oversized and broken datagrams, many connections).
#include "agent/inputs/syslog/syslog_input.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "common/time_util.h"
#include "tests/agent/inputs/collecting_sink.h"
#include "tests/support/process.h"

namespace hivewatch {
namespace {

using testing::CollectingSink;
using testing::RunCommand;
using testing::WaitFor;

SyslogInputConfig LoopbackConfig() {
  SyslogInputConfig config;
  config.udp_listen = "127.0.0.1:0";
  config.tcp_listen = "127.0.0.1:0";
  return config;
}

std::string Field(const LogRecord& r, const std::string& name) {
  auto it = r.fields.find(name);
  return it == r.fields.end() ? "<absent>" : it->second;
}

std::string HostName() {
  char buf[256] = {};
  gethostname(buf, sizeof buf - 1);
  return buf;
}

std::vector<LogRecord> WaitForRecords(const CollectingSink& sink, size_t n) {
  bool arrived = WaitFor([&] { return sink.size() >= n; }, std::chrono::seconds(20));
  INFO("records: " << sink.size() << " of " << n);
  REQUIRE(arrived);
  return sink.records();
}

// Runs util-linux logger against 127.0.0.1:port; `input` lines become one message each.
void Logger(std::vector<std::string> args, uint16_t port, const std::string& input = "") {
  std::vector<std::string> argv = {"logger", "-n", "127.0.0.1", "-P", std::to_string(port)};
  argv.insert(argv.end(), args.begin(), args.end());
  testing::CommandResult r = RunCommand(argv, {}, input);
  INFO("logger stderr: " << r.err);
  REQUIRE(r.exit_code == 0);
}

// A plain UDP socket sending raw datagrams to 127.0.0.1:port.
void SendDatagram(uint16_t port, const std::string& payload) {
  int fd = socket(AF_INET, SOCK_DGRAM, 0);
  REQUIRE(fd >= 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ssize_t n = sendto(fd, payload.data(), payload.size(), 0, reinterpret_cast<sockaddr*>(&addr),
                     sizeof addr);
  close(fd);
  REQUIRE(n == static_cast<ssize_t>(payload.size()));
}

int ConnectTcp(uint16_t port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(fd >= 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  timeval timeout{20, 0};  // a broken server fails the test instead of hanging it
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  return fd;
}

void SendAll(int fd, const std::string& data) {
  REQUIRE(send(fd, data.data(), data.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(data.size()));
}

TEST_CASE("port 0 binds free ports and reports them, both protocols at once", "[syslog][input]") {
  CollectingSink sink;
  SyslogInput input(LoopbackConfig());
  CHECK(input.udp_port() == 0);
  REQUIRE(input.Start({}, &sink).ok());
  CHECK(input.udp_port() != 0);
  CHECK(input.tcp_port() != 0);
  CHECK(std::string(input.Name()) == "syslog");
  input.Stop();
  input.Stop();  // idempotent
  CHECK(input.udp_port() == 0);
}

TEST_CASE("logger --rfc5424 over UDP: app, level, PID, MSGID, structured data, host",
          "[syslog][input][logger]") {
  CollectingSink sink;
  SyslogInput input(LoopbackConfig());
  REQUIRE(input.Start({}, &sink).ok());
  const int64_t before = NowMs();
  Logger({"--rfc5424", "--udp", "-t", "billing", "-p", "local3.warning", "--id=4242", "--msgid",
          "INV7", "--sd-id", "order@32473", "--sd-param", "id=\"A-17\"", "--sd-param",
          "amount=\"9.50\"", "invoice A-17 is overdue"},
         input.udp_port());
  auto records = WaitForRecords(sink, 1);
  REQUIRE(records.size() == 1);
  const LogRecord& r = records[0];
  CHECK(r.service == "billing");
  CHECK(r.level == Level::kWarning);
  CHECK(r.message == "invoice A-17 is overdue");
  CHECK(Field(r, "hostname") == HostName());
  CHECK(Field(r, "facility") == "local3");
  CHECK(Field(r, "severity") == "warning");
  CHECK(Field(r, "procid") == "4242");
  CHECK(Field(r, "msgid") == "INV7");
  CHECK(Field(r, "order@32473.id") == "A-17");
  CHECK(Field(r, "order@32473.amount") == "9.50");
  CHECK(Field(r, "timeQuality.tzKnown") == "1");
  // logger's own timestamp (microseconds, with zone) was used: it is no earlier than the
  // second before we ran it.
  CHECK(r.ts_ms >= before - 1000);
  CHECK(sink.keys() == std::vector<std::string>{""});  // no checkpoints for a network source
}

TEST_CASE("logger --rfc3164 over UDP: tag, PID, severity, the short host name",
          "[syslog][input][logger]") {
  CollectingSink sink;
  SyslogInput input(LoopbackConfig());
  REQUIRE(input.Start({}, &sink).ok());
  Logger({"--rfc3164", "--udp", "-t", "backup", "-p", "daemon.err", "--id=77",
          "disk /dev/sdb1 is full"},
         input.udp_port());
  Logger({"--rfc3164", "--udp", "-t", "backup", "-p", "user.debug", "second"}, input.udp_port());
  auto records = WaitForRecords(sink, 2);
  const LogRecord& r = records[0];
  CHECK(r.service == "backup");
  CHECK(r.level == Level::kError);
  CHECK(r.message == "disk /dev/sdb1 is full");
  CHECK(Field(r, "facility") == "daemon");
  CHECK(Field(r, "procid") == "77");
  const std::string host = HostName();
  CHECK(Field(r, "hostname") == host.substr(0, host.find('.')));
  CHECK(records[1].level == Level::kDebug);
  CHECK(records[1].message == "second");
}

TEST_CASE("logger over TCP: 300 real lines each way arrive whole and in order",
          "[syslog][input][logger]") {
  const std::vector<std::string> all =
      testing::ReadLines(std::string(HIVEWATCH_SHARED_LOGS) + "/OpenSSH_2k.log");
  const std::vector<std::string> lines(all.begin(), all.begin() + 300);
  std::string input_text;
  for (const auto& l : lines) input_text += l + "\n";

  struct Mode {
    std::vector<std::string> args;
  };
  const Mode modes[] = {{{"--rfc3164", "--tcp"}},                   // newline framing
                        {{"--rfc5424", "--tcp", "--octet-count"}},  // octet counting
                        {{"--rfc5424", "--tcp"}}};
  for (const Mode& mode : modes) {
    INFO(mode.args[0] << " " << mode.args.back());
    CollectingSink sink;
    SyslogInput input(LoopbackConfig());
    REQUIRE(input.Start({}, &sink).ok());
    std::vector<std::string> args = mode.args;
    args.insert(args.end(), {"-t", "sshd", "-p", "auth.info"});
    Logger(args, input.tcp_port(), input_text);
    auto records = WaitForRecords(sink, lines.size());
    REQUIRE(records.size() == lines.size());
    for (size_t i = 0; i < lines.size(); ++i) {
      INFO("line " << i);
      CHECK(records[i].message == lines[i]);
      CHECK(records[i].service == "sshd");
      CHECK(records[i].level == Level::kInfo);
      CHECK(Field(records[i], "facility") == "auth");
    }
  }
}

TEST_CASE("Start fails clearly when a port is taken and leaves nothing open", "[syslog][input]") {
  CollectingSink sink;
  SyslogInput first(LoopbackConfig());
  REQUIRE(first.Start({}, &sink).ok());

  SyslogInputConfig udp_taken;
  udp_taken.udp_listen = "127.0.0.1:" + std::to_string(first.udp_port());
  SyslogInput second(udp_taken);
  Status s = second.Start({}, &sink);
  REQUIRE_FALSE(s.ok());
  CHECK(s.message() ==
        "syslog: cannot listen on udp " + udp_taken.udp_listen + ": Address already in use");

  SyslogInputConfig tcp_taken;
  tcp_taken.udp_listen = "127.0.0.1:0";  // binds fine, must be released again
  tcp_taken.tcp_listen = "127.0.0.1:" + std::to_string(first.tcp_port());
  SyslogInput third(tcp_taken);
  s = third.Start({}, &sink);
  REQUIRE_FALSE(s.ok());
  CHECK(s.message() ==
        "syslog: cannot listen on tcp " + tcp_taken.tcp_listen + ": Address already in use");
  CHECK(third.udp_port() == 0);
}

TEST_CASE("configurations are checked before anything is bound", "[syslog][input]") {
  auto error = [](SyslogInputConfig c) { return ValidateSyslogInputConfig(c).message(); };
  SyslogInputConfig c;
  CHECK(ValidateSyslogInputConfig(c).ok());  // the defaults
  c.udp_listen = "";
  CHECK(error(c) == "inputs.syslog.udp_listen, tcp_listen: set at least one of them");
  c.tcp_listen = "5514";
  CHECK(error(c) ==
        "inputs.syslog.tcp_listen: '5514' is not HOST:PORT (e.g. \"127.0.0.1:5514\", "
        "\"[::1]:5514\", \":514\")");
  c.tcp_listen = "::1:5514";
  CHECK_THAT(error(c), Catch::StartsWith("inputs.syslog.tcp_listen: '::1:5514' is not"));
  c.tcp_listen = "127.0.0.1:65536";
  CHECK_THAT(error(c), Catch::EndsWith("port out of range"));
  c.tcp_listen = "[::1]:5514";
  CHECK(ValidateSyslogInputConfig(c).ok());
  c.max_message_bytes = 100;
  CHECK(error(c) == "inputs.syslog.max_message_bytes: must be between 480 and 1048576, got 100");
  c.max_message_bytes = 480;
  c.default_service = "";
  CHECK(error(c) == "inputs.syslog.default_service: must not be empty");

  std::string host;
  uint16_t port = 1;
  REQUIRE(ParseListenAddress(":514", &host, &port).ok());
  CHECK(host == "0.0.0.0");
  CHECK(port == 514);
  REQUIRE(ParseListenAddress("[::]:0", &host, &port).ok());
  CHECK(host == "::");
  CHECK(port == 0);

  CollectingSink sink;
  SyslogInputConfig none;
  none.udp_listen = "";
  CHECK(SyslogInput(none).Start({}, &sink).message() ==
        "inputs.syslog.udp_listen, tcp_listen: set at least one of them");
}

TEST_CASE(
    "raw datagrams: oversized ones are cut and flagged, garbage is kept, the sender's "
    "address stands in for a missing host name",
    "[syslog][input]") {
  CollectingSink sink;
  SyslogInputConfig config = LoopbackConfig();
  config.max_message_bytes = 512;
  config.default_service = "edge";
  SyslogInput input(config);
  REQUIRE(input.Start({}, &sink).ok());
  const std::string big = "<14>Nov 23 12:00:00 router fw: " + std::string(2000, 'y');
  SendDatagram(input.udp_port(), big);
  SendDatagram(input.udp_port(), std::string("\xff\xfe not syslog \0 at all\n", 23));
  SendDatagram(input.udp_port(), "\n");  // nothing: no record
  SendDatagram(input.udp_port(), "<165>1 - - - - - - nil everywhere");
  auto records = WaitForRecords(sink, 3);
  REQUIRE(records.size() == 3);

  CHECK(records[0].service == "fw");
  CHECK(records[0].message == big.substr(big.find("yyy"), 512 - big.find("yyy")));
  CHECK(Field(records[0], "hw_truncated") == "true");
  CHECK(Field(records[0], "hostname") == "router");

  CHECK(records[1].service == "edge");
  CHECK(records[1].level == Level::kNotice);
  CHECK(records[1].message == std::string("\xEF\xBF\xBD\xEF\xBF\xBD not syslog \0 at all", 26));
  CHECK(Field(records[1], "hostname") == "127.0.0.1");

  CHECK(records[2].service == "edge");
  CHECK(records[2].message == "nil everywhere");
  CHECK(Field(records[2], "hostname") == "127.0.0.1");
  CHECK(records[2].ts_ms > 0);
}

TEST_CASE(
    "TCP: a frame cut by the peer's close is still delivered, and connections over "
    "max_connections are closed at accept",
    "[syslog][input]") {
  CollectingSink sink;
  SyslogInputConfig config = LoopbackConfig();
  config.max_connections = 1;
  SyslogInput input(config);
  REQUIRE(input.Start({}, &sink).ok());

  int first = ConnectTcp(input.tcp_port());
  SendAll(first, "<13>Nov 23 12:00:00 h app: one\n");
  WaitForRecords(sink, 1);  // the first connection is accepted and served

  int second = ConnectTcp(input.tcp_port());
  char c;
  CHECK(recv(second, &c, 1, 0) == 0);  // closed by the input
  close(second);

  SendAll(first, "<13>Nov 23 12:00:01 h app: two, no LF");
  close(first);
  auto records = WaitForRecords(sink, 2);
  CHECK(records[1].message == "two, no LF");

  int third = ConnectTcp(input.tcp_port());  // a slot is free again
  SendAll(third, "<13>Nov 23 12:00:02 h app: three\n");
  records = WaitForRecords(sink, 3);
  CHECK(records[2].message == "three");
  close(third);
}

TEST_CASE("once the sink refuses, the input stops reading and Stop returns", "[syslog][input]") {
  CollectingSink sink;
  SyslogInput input(LoopbackConfig());
  REQUIRE(input.Start({}, &sink).ok());
  sink.Refuse();
  SendDatagram(input.udp_port(), "<13>refused");
  REQUIRE(WaitFor([&] { return sink.calls() == 1; }));
  SendDatagram(input.udp_port(), "<13>never read");
  input.Stop();
  CHECK(sink.calls() == 1);
  CHECK(sink.size() == 0);
}

}  // namespace
}  // namespace hivewatch
