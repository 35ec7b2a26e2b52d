// The journal entry → LogRecord mapping on plain field maps.
#include "agent/inputs/journald/journal_entry.h"

#include <string>

#include <catch2/catch.hpp>

namespace hivewatch {
namespace {

TEST_CASE("PRIORITY maps to levels like syslog severities, anything else is info",
          "[journald][entry]") {
  const Level levels[] = {Level::kCritical, Level::kCritical, Level::kCritical, Level::kError,
                          Level::kWarning,  Level::kNotice,   Level::kInfo,     Level::kDebug};
  for (int p = 0; p < 8; ++p) {
    CHECK(JournalEntryToRecord({{"PRIORITY", std::to_string(p)}}, 0, {}).level == levels[p]);
  }
  for (const char* odd : {"", "8", "warning", "33", " 3"}) {
    INFO("'" << odd << "'");
    CHECK(JournalEntryToRecord({{"PRIORITY", odd}}, 0, {}).level == Level::kInfo);
  }
  CHECK(JournalEntryToRecord({}, 0, {}).level == Level::kInfo);
}

TEST_CASE("the service is SYSLOG_IDENTIFIER, else _SYSTEMD_UNIT, else _COMM, else journald",
          "[journald][entry]") {
  JournalFields all = {
      {"SYSLOG_IDENTIFIER", "sshd"}, {"_SYSTEMD_UNIT", "ssh.service"}, {"_COMM", "sshd-session"}};
  CHECK(JournalEntryToRecord(all, 0, {}).service == "sshd");
  all.erase("SYSLOG_IDENTIFIER");
  CHECK(JournalEntryToRecord(all, 0, {}).service == "ssh.service");
  all.erase("_SYSTEMD_UNIT");
  CHECK(JournalEntryToRecord(all, 0, {}).service == "sshd-session");
  all.erase("_COMM");
  CHECK(JournalEntryToRecord(all, 0, {}).service == "journald");
  CHECK(JournalEntryToRecord({{"SYSLOG_IDENTIFIER", ""}, {"_COMM", "cron"}}, 0, {}).service ==
        "cron");
}

TEST_CASE("timestamp, message and kept fields", "[journald][entry]") {
  LogRecord r = JournalEntryToRecord({{"MESSAGE", "line one\nline two \xff"},
                                      {"_PID", "4121"},
                                      {"_HOSTNAME", "web1"},
                                      {"CODE_FILE", "src/main.c"},
                                      {"_UID", "0"}},
                                     1700000000123456, {"_PID", "_HOSTNAME", "CODE_FILE", "_EXE"});
  CHECK(r.ts_ms == 1700000000123);
  CHECK(r.message == "line one\nline two \xEF\xBF\xBD");
  CHECK(r.fields == Labels{{"pid", "4121"}, {"hostname", "web1"}, {"code_file", "src/main.c"}});
}

TEST_CASE("a message over 1 MiB is cut and flagged", "[journald][entry]") {
  LogRecord r = JournalEntryToRecord({{"MESSAGE", std::string(1024 * 1024 + 10, 'x')}}, 0, {});
  CHECK(r.message.size() == 1024 * 1024);
  CHECK(r.fields.at("hw_truncated") == "true");
}

TEST_CASE("field names: journal rules and record keys", "[journald][entry]") {
  CHECK(JournalFieldKey("_SYSTEMD_UNIT") == "systemd_unit");
  CHECK(JournalFieldKey("__CURSOR") == "cursor");
  CHECK(JournalFieldKey("CODE_LINE") == "code_line");
  CHECK(IsJournalFieldName("_PID"));
  CHECK(IsJournalFieldName("MY_FIELD2"));
  CHECK_FALSE(IsJournalFieldName("pid"));
  CHECK_FALSE(IsJournalFieldName("2X"));
  CHECK_FALSE(IsJournalFieldName(""));
  CHECK_FALSE(IsJournalFieldName("A-B"));
  CHECK_FALSE(IsJournalFieldName(std::string(65, 'A')));
}

}  // namespace
}  // namespace hivewatch
