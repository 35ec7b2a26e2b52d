// Turning one systemd journal entry into a LogRecord: pure functions, no sd-journal calls, so
// the mapping is testable on plain maps. JournaldInput reads the fields named here.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "common/batch.h"

namespace hivewatch {

// Journal field name → value (raw bytes, as sd_journal_get_data gives them after "NAME=").
using JournalFields = std::map<std::string, std::string>;

// The fields the mapping itself reads: MESSAGE, PRIORITY, SYSLOG_IDENTIFIER, _SYSTEMD_UNIT,
// _COMM (in that order of use for the service).
const std::vector<std::string>& JournalMappedFields();

// Record field name for a journal field: lower case, leading underscores dropped
// ("_PID" → "pid", "_SYSTEMD_UNIT" → "systemd_unit", "CODE_FILE" → "code_file").
std::string JournalFieldKey(std::string_view journal_name);

// True for a valid journal field name: A-Z, 0-9 and '_', not starting with a digit, 1 to 64
// characters (systemd's rule for fields applications may send; '_' prefixed ones are trusted).
bool IsJournalFieldName(std::string_view name);

// The record for an entry: ts from __REALTIME_TIMESTAMP (`realtime_usec`), message from MESSAGE,
// level from PRIORITY ("0".."7" as syslog severities; info when absent or not a number),
// service from SYSLOG_IDENTIFIER, else _SYSTEMD_UNIT, else _COMM, else "journald". Each name in
// `keep` that the entry has becomes a field (JournalFieldKey). Text is made valid UTF-8 and cut
// to the push limits (record_text.h; a cut message gets hw_truncated = "true").
LogRecord JournalEntryToRecord(const JournalFields& entry, uint64_t realtime_usec,
                               const std::vector<std::string>& keep);

}  // namespace hivewatch
