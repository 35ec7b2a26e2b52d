// What `hivewatch logs` asks the collector for, and the API URLs built from it. Pure functions:
// no I/O, no clock (relative times are resolved while parsing flags).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hivewatch::cli {

// The collector's largest page (GET /api/v1/logs?limit=); bigger limits page through cursors.
inline constexpr int64_t kMaxPageSize = 10000;
inline constexpr int64_t kDefaultLogLimit = 100;

struct LogsRequest {
  std::string q;                      // the API's full-text syntax, already joined
  std::vector<std::string> hosts;     // any of; empty = all
  std::vector<std::string> services;  // any of; empty = all
  std::vector<std::string> levels;    // canonical names, any of; empty = all
  std::optional<int64_t> start_ms;    // inclusive
  std::optional<int64_t> end_ms;      // exclusive
  int64_t limit = kDefaultLogLimit;   // records in total, over all pages
};

// Joins QUERY arguments into the API's `q`: an argument containing whitespace (one shell
// argument such as 'disk full') becomes a "quoted phrase"; an argument that already contains a
// double quote is passed as written; other words (and prefix* terms) pass unchanged.
std::string BuildTextQuery(const std::vector<std::string>& words);

// "http://h:9800" (no trailing slash) + "/api/v1/logs?..." for one page of at most
// `page_limit` records, continuing after `cursor` when it is non-empty.
std::string BuildLogsUrl(std::string_view base_url, const LogsRequest& request, int64_t page_limit,
                         std::string_view cursor);

std::string BuildHostsUrl(std::string_view base_url);

}  // namespace hivewatch::cli
