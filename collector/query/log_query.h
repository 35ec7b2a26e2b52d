// A log search, independent of HTTP and of the storage backend: parsed from the API's query
// parameters (see docs/api.md, GET /api/v1/logs) and executed by a Storage.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/level.h"
#include "common/status.h"

namespace hivewatch {

// One element of the full-text part `q`. All terms must match (AND).
struct TextTerm {
  std::string text;     // without quotes or the trailing '*'
  bool phrase = false;  // was "quoted": the words must appear together in this order
  bool prefix = false;  // ended in '*': matches words starting with `text`
};

// Parses `q`: whitespace-separated terms, "quoted phrases" and prefix* terms.
// An unterminated quote or an empty prefix ('*' alone) is an error naming the position.
Result<std::vector<TextTerm>> ParseTextQuery(std::string_view q);

// Position in a newest-first result: the last record of the previous page.
struct LogCursor {
  int64_t ts_ms = 0;
  int64_t id = 0;
};
std::string EncodeLogCursor(const LogCursor& cursor);
Result<LogCursor> DecodeLogCursor(std::string_view text);

struct LogQuery {
  std::vector<TextTerm> terms;        // all must match; empty = everything
  std::vector<std::string> hosts;     // any of; empty = all
  std::vector<std::string> services;  // any of; empty = all
  std::vector<Level> levels;          // any of; empty = all
  int64_t start_ms = 0;               // inclusive
  int64_t end_ms = INT64_MAX;         // exclusive
  int limit = 100;                    // 1..kMaxLogLimit
  std::optional<LogCursor> after;     // continue after this record (paging)
};

inline constexpr int kDefaultLogLimit = 100;
inline constexpr int kMaxLogLimit = 10000;

}  // namespace hivewatch
