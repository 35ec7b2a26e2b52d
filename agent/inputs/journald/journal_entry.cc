#include "agent/inputs/journald/journal_entry.h"

#include <cctype>
#include <optional>

#include "agent/inputs/record_text.h"
#include "common/level.h"

namespace hivewatch {

const std::vector<std::string>& JournalMappedFields() {
  static const std::vector<std::string> kFields = {"MESSAGE", "PRIORITY", "SYSLOG_IDENTIFIER",
                                                   "_SYSTEMD_UNIT", "_COMM"};
  return kFields;
}

std::string JournalFieldKey(std::string_view journal_name) {
  while (!journal_name.empty() && journal_name.front() == '_') journal_name.remove_prefix(1);
  std::string key(journal_name);
  for (char& c : key) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return key;
}

bool IsJournalFieldName(std::string_view name) {
  if (name.empty() || name.size() > 64 || (name[0] >= '0' && name[0] <= '9')) return false;
  for (char c : name) {
    if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_')) return false;
  }
  return true;
}

LogRecord JournalEntryToRecord(const JournalFields& entry, uint64_t realtime_usec,
                               const std::vector<std::string>& keep) {
  using record_text::FitText;
  auto get = [&entry](const char* name) -> const std::string* {
    auto it = entry.find(name);
    return it == entry.end() ? nullptr : &it->second;
  };
  LogRecord r;
  r.ts_ms = static_cast<int64_t>(realtime_usec / 1000);
  bool truncated = false;
  if (const std::string* message = get("MESSAGE")) {
    r.message = FitText(*message, record_text::kMaxMessageBytes, &truncated);
  }
  r.level = Level::kInfo;
  if (const std::string* priority = get("PRIORITY")) {
    // Only the syslog numbers: a word here is not what journald writes.
    if (priority->size() == 1 && (*priority)[0] >= '0' && (*priority)[0] <= '7') {
      r.level = ParseLevel(*priority).value_or(Level::kInfo);
    }
  }
  for (const char* name : {"SYSLOG_IDENTIFIER", "_SYSTEMD_UNIT", "_COMM"}) {
    const std::string* value = get(name);
    if (value && !value->empty()) {
      r.service = FitText(*value, record_text::kMaxFieldValueBytes);
      break;
    }
  }
  if (r.service.empty()) r.service = "journald";
  if (truncated) r.fields["hw_truncated"] = "true";
  for (const std::string& name : keep) {
    if (r.fields.size() >= record_text::kMaxFields) break;
    auto it = entry.find(name);
    if (it == entry.end()) continue;
    std::string key = JournalFieldKey(name);
    if (key.empty()) continue;
    r.fields[key] = FitText(it->second, record_text::kMaxFieldValueBytes);
  }
  return r;
}

}  // namespace hivewatch
