#include "cli/logs_request.h"

#include <cctype>

#include "common/http_client.h"

namespace hivewatch::cli {
namespace {

void AddParam(std::string* url, bool* first, std::string_view key, std::string_view value) {
  *url += *first ? '?' : '&';
  *first = false;
  *url += key;
  *url += '=';
  *url += UrlEncode(value);
}

}  // namespace

std::string BuildTextQuery(const std::vector<std::string>& words) {
  std::string q;
  for (const std::string& word : words) {
    bool has_space = false;
    bool all_space = true;
    for (char c : word) {
      bool space = std::isspace(static_cast<unsigned char>(c)) != 0;
      has_space = has_space || space;
      all_space = all_space && space;
    }
    if (all_space) continue;  // also skips ""
    if (!q.empty()) q += ' ';
    if (has_space && word.find('"') == std::string::npos) {
      q += '"' + word + '"';
    } else {
      q += word;
    }
  }
  return q;
}

std::string BuildLogsUrl(std::string_view base_url, const LogsRequest& request, int64_t page_limit,
                         std::string_view cursor) {
  std::string url(base_url);
  url += "/api/v1/logs";
  bool first = true;
  if (!request.q.empty()) AddParam(&url, &first, "q", request.q);
  for (const auto& host : request.hosts) AddParam(&url, &first, "host", host);
  for (const auto& service : request.services) AddParam(&url, &first, "service", service);
  if (!request.levels.empty()) {
    std::string levels;
    for (const auto& level : request.levels) levels += (levels.empty() ? "" : ",") + level;
    AddParam(&url, &first, "level", levels);
  }
  if (request.start_ms) AddParam(&url, &first, "start", std::to_string(*request.start_ms));
  if (request.end_ms) AddParam(&url, &first, "end", std::to_string(*request.end_ms));
  AddParam(&url, &first, "limit", std::to_string(page_limit));
  if (!cursor.empty()) AddParam(&url, &first, "cursor", cursor);
  return url;
}

std::string BuildHostsUrl(std::string_view base_url) {
  return std::string(base_url) + "/api/v1/hosts";
}

}  // namespace hivewatch::cli
