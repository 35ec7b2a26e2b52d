// Runs a LogQuery on one read connection of the SQLite backend.
//
// Without text terms one statement does it: the ts index yields rows newest first and the
// other filters are checked on the way. With text terms the full-text index yields matching
// ids in id (arrival) order, not time order, so instead of sorting every match the search is
// planned over the zone map (log_zones, sqlite_schema.h): the zones overlapping the window are
// visited newest-first (by their max ts) in runs of 1, 2, 4, ... zones, one statement per run
// restricted to the run's id span, and the search stops as soon as it holds `limit + 1` rows
// and no unvisited zone can contain a newer one. When ts follows arrival order (the usual case)
// a page costs one or two small statements whatever the size of the store; when it does not,
// the doubling keeps the total work within about twice that of one unrestricted statement.
// Everything runs in one read transaction (one snapshot), which never blocks the writer.
#pragma once

#include "collector/query/log_query.h"
#include "collector/storage/sqlite/sqlite_db.h"
#include "collector/storage/sqlite/sqlite_fts.h"
#include "collector/storage/storage.h"

namespace hivewatch::sqlite {

// `query.limit` must already be within 1..kMaxLogLimit.
Result<LogPage> QueryLogsOn(Connection& conn, const TextTokenizer& tokenizer,
                            const LogQuery& query);

// Storage::TailLogs on one read connection, in one snapshot. `limit` must be within
// 1..kMaxLogLimit.
Result<LogTail> TailLogsOn(Connection& conn, const TextTokenizer& tokenizer, const LogQuery& filter,
                           std::optional<int64_t> after_id, int limit);

// Storage::CountLogs on one read connection. `step_ms` > 0 and a bounded window.
Result<std::vector<LogCount>> CountLogsOn(Connection& conn, const TextTokenizer& tokenizer,
                                          const LogQuery& filter, int64_t step_ms);

}  // namespace hivewatch::sqlite
