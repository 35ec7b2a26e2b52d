// Turns log queries into ClickHouse SQL over the schema of clickhouse_schema.h. Every statement
// selects RowBinary; the log columns are kLogColumns. Same semantics as the SQLite backend
// (storage.h, log_query.h): every term must match; a term with words matches when its words
// occur adjacent and in order in the message's words (the last one as a prefix for a prefix
// term) — one position() test on the `words` column; a term without words (e.g. "->") matches
// as a literal substring of the message. Pure functions: thread-safe.
#pragma once

#include <cstdint>
#include <string>

#include "collector/query/log_query.h"

namespace hivewatch::clickhouse {

// id Int64, ts Int64, host String, service String, level UInt8, message String, fields String.
inline constexpr const char* kLogColumns = "id, ts, host, service, level, message, fields";

// The conditions on hosts, services, levels and terms (and visibility), "" when none; each
// starts with " AND ".
std::string LogFilters(const LogQuery& query);

// A page of a search: newest first (ts, then id, descending), query.limit + 1 rows so the
// caller can tell whether there is a next page.
std::string LogSearchSql(const LogQuery& query);

// Live tail: rows with after_id < id <= upto_id passing the filters, id ascending, at most limit.
std::string LogTailSql(const LogQuery& filter, int64_t after_id, int64_t upto_id, int limit);

// Histogram: bucket Int64, level UInt8, count UInt64 per bucket of step_ms from the window's
// start, sorted by bucket then level.
std::string LogCountSql(const LogQuery& filter, int64_t step_ms);

}  // namespace hivewatch::clickhouse
