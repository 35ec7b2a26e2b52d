#include "cli/format.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
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

namespace {

std::string SeriesName(const Json& metric) {
  std::string name;
  std::string labels;
  if (metric.is_object()) {
    for (auto it = metric.begin(); it != metric.end(); ++it) {
      const std::string value = it.value().is_string() ? it.value().get<std::string>() : "";
      if (it.key() == "__name__") {
        name = value;
        continue;
      }
      if (!labels.empty()) labels += ", ";
      labels += it.key() + "=" + Dump(Json(value));
    }
  }
  if (!name.empty() && labels.empty()) return EscapeControls(name);
  return EscapeControls(name + "{" + labels + "}");
}

double PointValue(const Json& point) {
  if (!point.is_array() || point.size() != 2 || !point[1].is_string()) return std::nan("");
  return std::strtod(point[1].get<std::string>().c_str(), nullptr);
}

std::string Number(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6g", v);
  return buf;
}

std::string Sparkline(const std::vector<double>& values, size_t width) {
  static const char* kBars[] = {"▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"};
  if (values.empty() || width == 0) return "";
  const size_t cells = std::min(width, values.size());
  std::vector<double> means(cells, 0);
  for (size_t c = 0; c < cells; ++c) {
    const size_t from = c * values.size() / cells;
    const size_t to = (c + 1) * values.size() / cells;
    double sum = 0;
    size_t n = 0;
    for (size_t i = from; i < to; ++i) {
      if (std::isfinite(values[i])) {
        sum += values[i];
        ++n;
      }
    }
    means[c] = n == 0 ? std::nan("") : sum / static_cast<double>(n);
  }
  double lo = INFINITY, hi = -INFINITY;
  for (double m : means) {
    if (std::isnan(m)) continue;
    lo = std::min(lo, m);
    hi = std::max(hi, m);
  }
  std::string out;
  for (double m : means) {
    if (std::isnan(m)) {
      out += ' ';
    } else if (hi == lo) {
      out += kBars[3];
    } else {
      out += kBars[std::min<size_t>(7, static_cast<size_t>((m - lo) / (hi - lo) * 8))];
    }
  }
  return out;
}

// Rows of cells as aligned text; `right[i]` right-aligns column i; the last column is not
// padded.
std::string Table(const std::vector<std::vector<std::string>>& rows,
                  const std::vector<bool>& right) {
  std::vector<size_t> widths(rows[0].size(), 0);
  for (const auto& row : rows) {
    for (size_t i = 0; i < row.size(); ++i) widths[i] = std::max(widths[i], row[i].size());
  }
  std::string out;
  for (const auto& row : rows) {
    std::string line;
    for (size_t i = 0; i < row.size(); ++i) {
      const size_t pad = widths[i] - row[i].size();
      const bool last = i + 1 == row.size();
      if (i > 0) line += "  ";
      if (right[i]) line.append(pad, ' ');
      line += row[i];
      if (!right[i] && !last) line.append(pad, ' ');
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out += line + '\n';
  }
  return out;
}

}  // namespace

std::string FormatMetricsTable(const Json& data, size_t spark_width) {
  const std::string type = data.value("resultType", "");
  const Json& result = data.contains("result") ? data["result"] : Json();
  if (type == "scalar" || type == "string") {
    if (!result.is_array() || result.size() != 2 || !result[1].is_string()) return "";
    return EscapeControls(result[1].get<std::string>()) + '\n';
  }
  if (!result.is_array()) return "";
  if (type == "vector") {
    std::vector<std::vector<std::string>> rows = {{"SERIES", "VALUE"}};
    for (const Json& series : result) {
      rows.push_back({SeriesName(series.value("metric", Json::object())),
                      Number(PointValue(series.value("value", Json())))});
    }
    return Table(rows, {false, true});
  }
  std::vector<std::vector<std::string>> rows = {{"SERIES", "LAST", "MIN", "AVG", "MAX", "TREND"}};
  for (const Json& series : result) {
    std::vector<double> values;
    if (series.contains("values") && series["values"].is_array()) {
      for (const Json& point : series["values"]) values.push_back(PointValue(point));
    }
    double lo = INFINITY, hi = -INFINITY, sum = 0;
    size_t n = 0;
    for (double v : values) {
      if (std::isnan(v)) continue;
      lo = std::min(lo, v);
      hi = std::max(hi, v);
      sum += v;
      ++n;
    }
    const double nan = std::nan("");
    rows.push_back({SeriesName(series.value("metric", Json::object())),
                    Number(values.empty() ? nan : values.back()), Number(n ? lo : nan),
                    Number(n ? sum / static_cast<double>(n) : nan), Number(n ? hi : nan),
                    Sparkline(values, spark_width)});
  }
  return Table(rows, {false, true, true, true, true, false});
}

std::string FormatMetricsJsonLines(const Json& data) {
  const Json& result = data.contains("result") ? data["result"] : Json();
  const std::string type = data.value("resultType", "");
  if (type == "scalar" || type == "string" || !result.is_array()) return Dump(result) + '\n';
  std::string out;
  for (const Json& series : result) out += Dump(series) + '\n';
  return out;
}

}  // namespace hivewatch::cli
