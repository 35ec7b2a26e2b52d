#include "cli/format.h"

#include <algorithm>
#include <cstdio>
#include <vector>

#include "common/level.h"
#include "common/time_util.h"

namespace hivewatch::cli {
namespace {

constexpr size_t kLevelWidth = 8;  // "critical"

std::string Dump(const Json& value) {
  return value.dump(-1, ' ', false, Json::error_handler_t::replace);
}

bool IsControl(unsigned char c) { return c < 0x20 || c == 0x7f; }

// Escapes control characters (\n, \t, ESC …) so text stays on one line and inert.
std::string EscapeControls(const std::string& s) {
  std::string out;
  out.reserve(s.size());
  for (char ch : s) {
    auto c = static_cast<unsigned char>(ch);
    if (!IsControl(c)) {
      out += ch;
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c == '\t') {
      out += "\\t";
    } else {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    }
  }
  return out;
}

// A string member, or `fallback` when missing or not a string.
std::string StringMember(const Json& object, const char* key, const char* fallback = "-") {
  auto it = object.find(key);
  if (it == object.end() || !it->is_string()) return fallback;
  const auto& s = it->get_ref<const std::string&>();
  return s.empty() ? fallback : s;
}

std::string FieldValue(const Json& value) {
  if (!value.is_string()) return Dump(value);  // numbers, booleans, null, nested objects
  const auto& s = value.get_ref<const std::string&>();
  bool needs_quotes = s.empty();
  for (char ch : s) {
    auto c = static_cast<unsigned char>(ch);
    needs_quotes = needs_quotes || c == ' ' || c == '=' || c == '"' || IsControl(c);
  }
  return needs_quotes ? Dump(value) : s;
}

const char* LevelColor(const std::string& level) {
  auto parsed = ParseLevel(level);
  if (!parsed) return nullptr;
  switch (*parsed) {
    case Level::kTrace:
      return "\033[90m";  // grey
    case Level::kDebug:
      return "\033[36m";  // cyan
    case Level::kInfo:
      return "\033[32m";  // green
    case Level::kNotice:
      return "\033[34m";  // blue
    case Level::kWarning:
      return "\033[33m";  // yellow
    case Level::kError:
      return "\033[31m";  // red
    case Level::kCritical:
      return "\033[1;31m";  // bold red
  }
  return nullptr;
}

std::string NumberCell(const Json& object, const char* key) {
  auto it = object.find(key);
  if (it == object.end() || !it->is_number()) return "-";
  return Dump(*it);
}

}  // namespace

std::string FormatLogText(const Json& record, bool color) {
  std::string line;
  auto ts = record.find("ts");
  if (ts != record.end() && ts->is_number_integer()) {
    line = FormatRfc3339(ts->get<int64_t>());
  } else {
    line = EscapeControls(StringMember(record, "time"));
  }
  line += ' ';
  line += EscapeControls(StringMember(record, "host"));
  line += ' ';
  line += EscapeControls(StringMember(record, "service"));
  line += ' ';

  std::string level = EscapeControls(StringMember(record, "level"));
  const char* level_color = color ? LevelColor(level) : nullptr;
  if (level_color) line += level_color;
  line += level;
  if (level_color) line += "\033[0m";
  line.append(level.size() < kLevelWidth ? kLevelWidth - level.size() : 0, ' ');
  line += ' ';
  line += EscapeControls(StringMember(record, "message", ""));

  auto fields = record.find("fields");
  if (fields != record.end() && fields->is_object()) {
    for (auto it = fields->begin(); it != fields->end(); ++it) {
      line += ' ';
      line += EscapeControls(it.key());
      line += '=';
      line += FieldValue(it.value());
    }
  }
  return line;
}

std::string FormatJsonLine(const Json& value) { return Dump(value); }

std::string FormatAge(int64_t then_ms, int64_t now_ms) {
  if (then_ms <= 0) return "never";
  int64_t s = std::max<int64_t>(0, now_ms - then_ms) / 1000;
  if (s < 60) return std::to_string(s) + "s ago";
  if (s < 3600) return std::to_string(s / 60) + "m ago";
  if (s < 86400) return std::to_string(s / 3600) + "h ago";
  return std::to_string(s / 86400) + "d ago";
}

std::string FormatHostsTable(const Json& hosts, int64_t now_ms) {
  using Row = std::vector<std::string>;
  std::vector<Row> rows = {{"HOST", "LAST SEEN", "BATCHES", "LOG LINES", "SAMPLES", "VERSION"}};
  const std::vector<bool> right_aligned = {false, false, true, true, true, false};
  if (hosts.is_array()) {
    for (const auto& host : hosts) {
      if (!host.is_object()) continue;
      auto last_seen = host.find("last_seen");
      int64_t last_seen_ms =
          last_seen != host.end() && last_seen->is_number() ? last_seen->get<int64_t>() : 0;
      rows.push_back({EscapeControls(StringMember(host, "host")), FormatAge(last_seen_ms, now_ms),
                      NumberCell(host, "batches"), NumberCell(host, "log_lines"),
                      NumberCell(host, "samples"),
                      EscapeControls(StringMember(host, "agent_version"))});
    }
  }
  std::vector<size_t> widths(rows[0].size(), 0);
  for (const Row& row : rows) {
    for (size_t i = 0; i < row.size(); ++i) widths[i] = std::max(widths[i], row[i].size());
  }
  std::string out;
  for (const Row& row : rows) {
    std::string line;
    for (size_t i = 0; i < row.size(); ++i) {
      size_t pad = widths[i] - row[i].size();
      bool last = i + 1 == row.size();
      if (i > 0) line += "  ";
      if (right_aligned[i]) line.append(pad, ' ');
      line += row[i];
      if (!right_aligned[i] && !last) line.append(pad, ' ');
    }
    out += line + '\n';
  }
  return out;
}

}  // namespace hivewatch::cli
