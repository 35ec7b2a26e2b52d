// Query parameters and the JSON form of log records, shared by the log endpoints
// (GET /api/v1/logs in query_handlers.cc, GET /api/v1/logs/tail in tail_handler.cc).
#pragma once

#include <initializer_list>
#include <nlohmann/json.hpp>
#include <string>

#include "collector/http/http_types.h"
#include "collector/query/log_query.h"
#include "collector/storage/storage.h"

namespace hivewatch {

// Throws HttpError(400) naming the first parameter not in `known` (names starting with '_',
// cache busters, are always accepted).
void RejectUnknownParams(const HttpRequest& request, std::initializer_list<const char*> known);

// Fills query.terms, hosts, services and levels from q, host, service and level; throws
// HttpError(400) naming the parameter.
void ParseLogFilterParams(const HttpRequest& request, LogQuery* query);

// `name` as an integer in [min, max], or `fallback` when absent or empty; throws HttpError(400)
// "<name>: must be an integer from <min> to <max>" otherwise.
int64_t ParseIntParam(const HttpRequest& request, const std::string& name, int64_t min, int64_t max,
                      int64_t fallback);

// {"id", "ts", "time", "host", "service", "level", "message"[, "fields"]}.
nlohmann::json LogJson(const StoredLog& log);

// The response body: invalid UTF-8 is replaced rather than thrown on.
std::string DumpJson(const nlohmann::json& j);

}  // namespace hivewatch
