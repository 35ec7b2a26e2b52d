// Syslog parsing on RFC examples, what real senders (logger, nginx, rsyslog) send, the real
// Linux and OpenSSH syslog samples from ../shared/data/logs/, and malformed input.
#include "agent/inputs/syslog/syslog_parser.h"

#include <ctime>
#include <regex>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "tests/support/process.h"

namespace hivewatch {
namespace {

// Milliseconds for a wall-clock time in the local zone (how RFC 3164 timestamps are read).
int64_t LocalMs(int year, int month, int day, int hour, int min, int sec) {
  std::tm tm{};
  tm.tm_year = year - 1900;
  tm.tm_mon = month - 1;
  tm.tm_mday = day;
  tm.tm_hour = hour;
  tm.tm_min = min;
  tm.tm_sec = sec;
  tm.tm_isdst = -1;
  return static_cast<int64_t>(std::mktime(&tm)) * 1000;
}

const int64_t kNow = LocalMs(2025, 11, 23, 12, 0, 0);

std::string Field(const LogRecord& r, const std::string& name) {
  auto it = r.fields.find(name);
  return it == r.fields.end() ? "<absent>" : it->second;
}

TEST_CASE("RFC 5424 examples from the RFC parse into all their parts", "[syslog][parser]") {
  SECTION("section 6.5 example 1: no structured data, BOM before the message") {
    auto m = ParseSyslogMessage(
        "<34>1 2003-10-11T22:14:15.003Z mymachine.example.com su - ID47 - "
        "\xEF\xBB\xBF'su root' failed for lonvick on /dev/pts/8",
        kNow);
    CHECK(m.format == SyslogFormat::kRfc5424);
    CHECK(m.facility == 4);
    CHECK(m.severity == 2);
    REQUIRE(m.ts_ms);
    CHECK(*m.ts_ms == 1065910455003);
    CHECK(m.hostname == "mymachine.example.com");
    CHECK(m.app_name == "su");
    CHECK(m.procid.empty());
    CHECK(m.msgid == "ID47");
    CHECK(m.structured_data.empty());
    CHECK(m.message == "'su root' failed for lonvick on /dev/pts/8");
  }
  SECTION("example 2: a time zone offset and microseconds, a PROCID") {
    auto m = ParseSyslogMessage(
        "<165>1 2003-08-24T05:14:15.000003-07:00 192.0.2.1 myproc 8710 - - %% It's time to make "
        "the do-nuts.",
        kNow);
    CHECK(m.format == SyslogFormat::kRfc5424);
    CHECK(m.facility == 20);
    CHECK(m.severity == 5);
    CHECK(*m.ts_ms == 1061727255000);  // 2003-08-24T12:14:15Z
    CHECK(m.hostname == "192.0.2.1");
    CHECK(m.app_name == "myproc");
    CHECK(m.procid == "8710");
    CHECK(m.msgid.empty());
    CHECK(m.message == "%% It's time to make the do-nuts.");
  }
  SECTION("examples 3 and 4: structured data, with and without a message") {
    auto m = ParseSyslogMessage(
        "<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 "
        "[exampleSDID@32473 iut=\"3\" eventSource=\"Application\" eventID=\"1011\"] "
        "\xEF\xBB\xBF"
        "An application event log entry...",
        kNow);
    CHECK(m.format == SyslogFormat::kRfc5424);
    REQUIRE(m.structured_data.size() == 1);
    CHECK(m.structured_data[0].id == "exampleSDID@32473");
    REQUIRE(m.structured_data[0].params.size() == 3);
    CHECK(m.structured_data[0].params[1].name == "eventSource");
    CHECK(m.structured_data[0].params[1].value == "Application");
    CHECK(m.message == "An application event log entry...");

    auto n = ParseSyslogMessage(
        "<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 "
        "[exampleSDID@32473 iut=\"3\" eventSource=\"Application\" eventID=\"1011\"]"
        "[examplePriority@32473 class=\"high\"]",
        kNow);
    CHECK(n.format == SyslogFormat::kRfc5424);
    REQUIRE(n.structured_data.size() == 2);
    CHECK(n.structured_data[1].id == "examplePriority@32473");
    CHECK(n.structured_data[1].params[0].value == "high");
    CHECK(n.message.empty());
  }
}

TEST_CASE("RFC 5424 details: escapes in parameter values, NILVALUEs, what logger sends",
          "[syslog][parser]") {
  auto m = ParseSyslogMessage(
      R"(<14>1 - - - - - [x@1 a="q\"uo\]te\\d" b="c\d" e=""] msg with "quotes")", kNow);
  CHECK(m.format == SyslogFormat::kRfc5424);
  CHECK_FALSE(m.ts_ms);
  CHECK(m.hostname.empty());
  CHECK(m.app_name.empty());
  REQUIRE(m.structured_data.size() == 1);
  REQUIRE(m.structured_data[0].params.size() == 3);
  CHECK(m.structured_data[0].params[0].value == R"(q"uo]te\d)");
  CHECK(m.structured_data[0].params[1].value == R"(c\d)");  // not an escape: kept
  CHECK(m.structured_data[0].params[2].value.empty());
  CHECK(m.message == R"(msg with "quotes")");

  // util-linux logger --rfc5424 --msgid ID7 --sd-id zoo@123 --sd-param tiger="hungry"
  auto l = ParseSyslogMessage(
      "<156>1 2025-11-23T17:29:35.686234+00:00 vm myapp - ID7 [timeQuality tzKnown=\"1\" "
      "isSynced=\"0\"][zoo@123 tiger=\"hungry\"] hello world\n",
      kNow);
  CHECK(l.format == SyslogFormat::kRfc5424);
  CHECK(*l.ts_ms == 1763918975686);
  CHECK(l.app_name == "myapp");
  CHECK(l.msgid == "ID7");
  CHECK(l.message == "hello world");  // the trailing LF of newline framing is not content
  LogRecord r = SyslogToLogRecord(l, {});
  CHECK(r.service == "myapp");
  CHECK(r.level == Level::kWarning);
  CHECK(Field(r, "facility") == "local3");
  CHECK(Field(r, "severity") == "warning");
  CHECK(Field(r, "msgid") == "ID7");
  CHECK(Field(r, "hostname") == "vm");
  CHECK(Field(r, "timeQuality.tzKnown") == "1");
  CHECK(Field(r, "zoo@123.tiger") == "hungry");
  CHECK(Field(r, "procid") == "<absent>");
}

TEST_CASE("RFC 3164 as real senders write it", "[syslog][parser]") {
  struct Case {
    const char* line;
    int facility, severity;
    int64_t ts_ms;
    const char* hostname;
    const char* app;
    const char* procid;
    const char* message;
  };
  const Case cases[] = {
      // RFC 3164 §5.4 examples
      {"<34>Oct 11 22:14:15 mymachine su: 'su root' failed for lonvick on /dev/pts/8", 4, 2,
       LocalMs(2025, 10, 11, 22, 14, 15), "mymachine", "su", "",
       "'su root' failed for lonvick on /dev/pts/8"},
      {"<13>Feb  5 17:32:18 10.0.0.99 Use the BFG!", 1, 5, LocalMs(2025, 2, 5, 17, 32, 18),
       "10.0.0.99", "", "", "Use the BFG!"},
      // nginx's access_log syslog: (local7.info, tag "nginx")
      {"<190>Nov 23 11:59:58 web1 nginx: 127.0.0.1 - - [23/Nov/2025:11:59:58 +0000] \"GET / "
       "HTTP/1.1\" 200 615 \"-\" \"curl/7.88.1\"",
       23, 6, LocalMs(2025, 11, 23, 11, 59, 58), "web1", "nginx", "",
       "127.0.0.1 - - [23/Nov/2025:11:59:58 +0000] \"GET / HTTP/1.1\" 200 615 \"-\" "
       "\"curl/7.88.1\""},
      // util-linux logger --rfc3164
      {"<156>Nov 23 11:29:35 vm myapp: hello world", 19, 4, LocalMs(2025, 11, 23, 11, 29, 35), "vm",
       "myapp", "", "hello world"},
      // the local /dev/log form: no hostname, a PID
      {"<30>Nov 23 11:00:01 systemd[1]: Started Daily apt download activities.", 3, 6,
       LocalMs(2025, 11, 23, 11, 0, 1), "", "systemd", "1",
       "Started Daily apt download activities."},
      // rsyslog's high-precision forwarding: an RFC 3339 timestamp in the RFC 3164 layout
      {"<86>2025-11-23T12:00:01.5+01:00 bastion sshd[812]: Accepted publickey for deploy", 10, 6,
       1763895601500, "bastion", "sshd", "812", "Accepted publickey for deploy"},
      // fractional seconds, a message without a tag
      {"<14>Nov  3 01:02:03.250 switch7 %LINK-3-UPDOWN: Interface Gi0/1, changed state to up", 1, 6,
       LocalMs(2025, 11, 3, 1, 2, 3) + 250, "switch7", "%LINK-3-UPDOWN", "",
       "Interface Gi0/1, changed state to up"},
      {"<14>Nov 23 11:00:00 host just words, no tag", 1, 6, LocalMs(2025, 11, 23, 11, 0, 0), "host",
       "", "", "just words, no tag"},
  };
  for (const Case& c : cases) {
    INFO(c.line);
    SyslogMessage m = ParseSyslogMessage(c.line, kNow);
    CHECK(m.format == SyslogFormat::kRfc3164);
    CHECK(m.facility == c.facility);
    CHECK(m.severity == c.severity);
    REQUIRE(m.ts_ms);
    CHECK(*m.ts_ms == c.ts_ms);
    CHECK(m.hostname == c.hostname);
    CHECK(m.app_name == c.app);
    CHECK(m.procid == c.procid);
    CHECK(m.message == c.message);
  }
}

TEST_CASE("RFC 3164 timestamps take the year that keeps them within a day of now",
          "[syslog][parser]") {
  // Read just after New Year: a December line is from the year before.
  const int64_t new_year = LocalMs(2026, 1, 1, 0, 0, 30);
  CHECK(*ParseSyslogMessage("<13>Dec 31 23:59:50 h a: x", new_year).ts_ms ==
        LocalMs(2025, 12, 31, 23, 59, 50));
  CHECK(*ParseSyslogMessage("<13>Jan  1 00:00:10 h a: x", new_year).ts_ms ==
        LocalMs(2026, 1, 1, 0, 0, 10));
  // A sender whose clock is a little ahead, read just before New Year: next year.
  const int64_t old_year = LocalMs(2025, 12, 31, 23, 59, 50);
  CHECK(*ParseSyslogMessage("<13>Jan  1 00:00:05 h a: x", old_year).ts_ms ==
        LocalMs(2026, 1, 1, 0, 0, 5));
  // Anything else stays in the current year, even months back.
  CHECK(*ParseSyslogMessage("<13>Mar  1 08:00:00 h a: x", old_year).ts_ms ==
        LocalMs(2025, 3, 1, 8, 0, 0));
}

// The real samples are what a syslog daemon wrote to a file: with a PRI in front they are the
// RFC 3164 messages it received. Expected parts come from a regex, independently of the parser.
void CheckSampleFile(const std::string& name, const std::string& host) {
  const std::vector<std::string> lines =
      testing::ReadLines(std::string(HIVEWATCH_SHARED_LOGS) + "/" + name);
  REQUIRE(lines.size() == 2000);
  const std::regex header(R"(^([A-Z][a-z]{2}) +(\d{1,2}) (\d\d):(\d\d):(\d\d) (\S+) +(.*)$)");
  const std::regex tagged(R"(^([^\s\[:]+)(?:\[(\d+)\])?: (.*)$)");
  const char* const kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                 "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  const int64_t now = LocalMs(2005, 12, 31, 12, 0, 0);
  size_t with_tag = 0;
  for (const std::string& line : lines) {
    INFO(name << ": " << line);
    std::smatch h, t;
    REQUIRE(std::regex_match(line, h, header));
    int month = 0;
    while (h[1] != kMonths[month]) ++month;
    const std::string rest = h[7];
    const std::string frame = "<38>" + line + "\r\n";  // auth.info, CRLF as in the files
    SyslogMessage m = ParseSyslogMessage(frame, now);
    REQUIRE(m.format == SyslogFormat::kRfc3164);
    CHECK(m.facility == 4);
    CHECK(m.severity == 6);
    CHECK(*m.ts_ms == LocalMs(2005, month + 1, std::stoi(h[2]), std::stoi(h[3]), std::stoi(h[4]),
                              std::stoi(h[5])));
    CHECK(m.hostname == host);
    if (std::regex_match(rest, t, tagged)) {
      ++with_tag;
      CHECK(m.app_name == t[1].str());
      CHECK(m.procid == t[2].str());
      CHECK(m.message == t[3].str());
    } else {
      CHECK(m.app_name.empty());
      CHECK(m.message == rest);
    }
    // The same line as the MSG of an RFC 5424 message comes back byte for byte.
    SyslogMessage wrapped =
        ParseSyslogMessage("<38>1 2025-11-23T12:00:00Z relay app 42 - - " + line, now);
    CHECK(wrapped.format == SyslogFormat::kRfc5424);
    CHECK(wrapped.message == line);
  }
  CHECK(with_tag > 1900);  // nearly all lines have "tag[pid]:" (not "syslogd 1.4.1: restart.")
}

TEST_CASE("every line of the real Linux and OpenSSH syslog samples parses as RFC 3164",
          "[syslog][parser]") {
  CheckSampleFile("Linux_2k.log", "combo");
  CheckSampleFile("OpenSSH_2k.log", "LabSZ");

  SyslogMessage m = ParseSyslogMessage(
      "<38>Jun 14 15:16:01 combo sshd(pam_unix)[19939]: authentication failure; logname= uid=0 "
      "euid=0 tty=NODEVssh ruser= rhost=218.188.2.4 ",
      kNow);
  CHECK(m.app_name == "sshd(pam_unix)");
  CHECK(m.procid == "19939");
  CHECK(m.message ==
        "authentication failure; logname= uid=0 euid=0 tty=NODEVssh ruser= rhost=218.188.2.4 ");
  SyslogMessage odd = ParseSyslogMessage(
      "<38>Jul  7 08:06:15 combo  -- root[2421]: ROOT LOGIN "
      "ON tty2",
      kNow);
  CHECK(odd.hostname == "combo");
  CHECK(odd.app_name.empty());
  CHECK(odd.message == "-- root[2421]: ROOT LOGIN ON tty2");
}

TEST_CASE("malformed input never fails: what is not understood becomes the message",
          "[syslog][parser]") {
  struct Case {
    std::string text;
    bool has_pri;
    int severity;
    std::string message;
  };
  const Case cases[] = {
      {"", false, 5, ""},
      {"<", false, 5, "<"},
      {"<>", false, 5, "<>"},
      {"<13", false, 5, "<13"},
      {"<1000>Nov 23 11:00:00 h a: x", false, 5, "<1000>Nov 23 11:00:00 h a: x"},
      {"<192>x", false, 5, "<192>x"},
      {"no priority at all", false, 5, "no priority at all"},
      {"<11>", true, 3, ""},
      {"<11>1 garbage", true, 3, "1 garbage"},
      {"<11>1 2003-10-11T22:14:15Z", true, 3, "1 2003-10-11T22:14:15Z"},
      {"<11>1 1700000000 host app - - - epoch is not RFC 3339", true, 3,
       "1 1700000000 host app - - - epoch is not RFC 3339"},
      {"<11>1 2003-13-11T22:14:15Z host app - - - bad month", true, 3,
       "1 2003-13-11T22:14:15Z host app - - - bad month"},
      {"<11>1 - host app - - [unterminated x=\"1\"", true, 3,
       "1 - host app - - [unterminated x=\"1\""},
      {"<11>1 - host app - - [id x=1] unquoted", true, 3, "1 - host app - - [id x=1] unquoted"},
      {"<11>1 - host app - - []", true, 3, "1 - host app - - []"},
      {"<11>1 - host app - -x", true, 3, "1 - host app - -x"},
      {"<11>Xyz 23 11:00:00 host a: b", true, 3, "Xyz 23 11:00:00 host a: b"},
      {"<11>Nov 32 11:00:00 host a: b", true, 3, "Nov 32 11:00:00 host a: b"},
      {"<11>Nov 23 25:00:00 host a: b", true, 3, "Nov 23 25:00:00 host a: b"},
      {"<11>Nov 23 11:00", true, 3, "Nov 23 11:00"},
      {std::string("<11>bin\0ary\xff", 12), true, 3, std::string("bin\0ary\xff", 8)},
  };
  for (const Case& c : cases) {
    INFO("'" << c.text << "'");
    SyslogMessage m = ParseSyslogMessage(c.text, kNow);
    CHECK(m.format == SyslogFormat::kUnparsed);
    CHECK(m.has_pri == c.has_pri);
    CHECK(m.severity == c.severity);
    CHECK(m.message == c.message);
    CHECK_FALSE(m.ts_ms);
  }
}

TEST_CASE("the LogRecord: service, level, fields, fallbacks and wire-safe text",
          "[syslog][parser]") {
  SyslogRecordOptions options;
  options.default_service = "net-devices";
  options.received_ms = 1700000000000;
  options.peer_host = "192.0.2.7";

  SECTION("no app name, no hostname, no timestamp: the fallbacks") {
    LogRecord r = SyslogToLogRecord(ParseSyslogMessage("<11>link down", kNow), options);
    CHECK(r.service == "net-devices");
    CHECK(r.level == Level::kError);
    CHECK(r.ts_ms == 1700000000000);
    CHECK(r.message == "link down");
    CHECK(r.fields == Labels{{"facility", "user"}, {"hostname", "192.0.2.7"}, {"severity", "err"}});
  }
  SECTION("without a PRI: notice (RFC 3164's assumed 13), no facility/severity fields") {
    LogRecord r = SyslogToLogRecord(ParseSyslogMessage("plain text", kNow), options);
    CHECK(r.level == Level::kNotice);
    CHECK(r.fields == Labels{{"hostname", "192.0.2.7"}});
  }
  SECTION("invalid UTF-8 is repaired everywhere") {
    LogRecord r = SyslogToLogRecord(
        ParseSyslogMessage("<14>1 - h\xff app\xc3 - - [a b=\"\xe2\x82\"] caf\xc3\xa9 \xc0!", kNow),
        options);
    CHECK(r.service == "app\xEF\xBF\xBD");
    CHECK(r.message == "caf\xc3\xa9 \xEF\xBF\xBD!");
    CHECK(Field(r, "hostname") == "h\xEF\xBF\xBD");
    CHECK(Field(r, "a.b") == "\xEF\xBF\xBD");
  }
  SECTION("repeated parameter names are joined; at most 32 fields") {
    std::string sd = "[meta ip=\"10.0.0.1\" ip=\"10.0.0.2\"][many";
    for (int i = 0; i < 40; ++i) sd += " p" + std::to_string(i) + "=\"" + std::to_string(i) + "\"";
    sd += "]";
    LogRecord r =
        SyslogToLogRecord(ParseSyslogMessage("<14>1 - h app 7 M1 " + sd + " m", kNow), options);
    CHECK(r.fields.size() == 32);
    CHECK(Field(r, "meta.ip") == "10.0.0.1,10.0.0.2");
    CHECK(Field(r, "procid") == "7");
    CHECK(Field(r, "msgid") == "M1");
    CHECK(Field(r, "hostname") == "h");
  }
}

TEST_CASE("severities map to levels, facilities and severities to their syslog.h names",
          "[syslog][parser]") {
  const Level levels[] = {Level::kCritical, Level::kCritical, Level::kCritical, Level::kError,
                          Level::kWarning,  Level::kNotice,   Level::kInfo,     Level::kDebug};
  const char* const names[] = {"emerg",   "alert",  "crit", "err",
                               "warning", "notice", "info", "debug"};
  for (int s = 0; s < 8; ++s) {
    CHECK(SyslogSeverityLevel(s) == levels[s]);
    CHECK(std::string(SyslogSeverityName(s)) == names[s]);
    // The same as the common level aliases for syslog numbers.
    CHECK(ParseLevel(std::to_string(s)) == levels[s]);
  }
  CHECK(std::string(SyslogFacilityName(0)) == "kern");
  CHECK(std::string(SyslogFacilityName(10)) == "authpriv");
  CHECK(std::string(SyslogFacilityName(16)) == "local0");
  CHECK(std::string(SyslogFacilityName(23)) == "local7");
}

}  // namespace
}  // namespace hivewatch
