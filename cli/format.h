// Turns the collector's JSON answers into what `hivewatch` prints. Pure functions: the clock
// and whether to colour come in as arguments.
#pragma once

#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

namespace hivewatch::cli {

// Keeps the keys in the order the collector sent them, so --output json reprints records as
// the API returns them.
using Json = nlohmann::ordered_json;

// One record of GET /api/v1/logs as one line of text, without the newline:
//   2025-11-23T12:13:20.123Z web1 nginx error    upstream timed out path=/api status=504
// Time in UTC; fields as key=value, values quoted (JSON-style) when they contain spaces, '=' or
// quotes. Control characters in any part are escaped so a record never spans lines or
// drives the terminal. `color` wraps the level in ANSI colours.
std::string FormatLogText(const Json& record, bool color);

// Compact single-line JSON (NDJSON), without the newline.
std::string FormatJsonLine(const Json& value);

// How long ago `then_ms` was: "12s ago", "5m ago", "3h ago", "2d ago"; "never" for 0.
std::string FormatAge(int64_t then_ms, int64_t now_ms);

// The `hosts` array of GET /api/v1/hosts as an aligned table with a header line:
//   HOST  LAST SEEN  BATCHES  LOG LINES  SAMPLES  VERSION
// Each line ends in '\n'; numbers are right-aligned.
std::string FormatHostsTable(const Json& hosts, int64_t now_ms);

// The `data` of a PromQL query answer as a table, one row per series:
//   SERIES                          LAST     MIN      AVG      MAX  TREND
//   {host="web-1"}                0.125   0.0812   0.101   0.154   ▁▂▃▂▁▇█▃
// for a matrix (TREND: a sparkline of up to `spark_width` characters, each the mean of its
// share of the points); SERIES VALUE for a vector; the value alone for a scalar or string.
// Series are shown as name{label="value", …}. Each line ends in '\n'.
std::string FormatMetricsTable(const Json& data, size_t spark_width = 30);

// The same answer as JSON lines: one object per series ({"metric":…,"values":…} or
// {"metric":…,"value":…}), or the scalar/string result array alone.
std::string FormatMetricsJsonLines(const Json& data);

}  // namespace hivewatch::cli
