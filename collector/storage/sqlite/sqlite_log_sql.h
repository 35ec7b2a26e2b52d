// Turns a LogQuery into one SQL statement over the SQLite schema (sqlite_schema.h) plus its
// parameters. The statement's text depends only on which filters are present (list filters
// travel as one JSON-array parameter each), so connections can cache the prepared statement.
// Pure functions: thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include "collector/query/log_query.h"

namespace hivewatch::sqlite {

// A text term as the index sees it: `tokens` are the term's index tokens (from TextTokenizer).
struct TokenizedTerm {
  const TextTerm* term = nullptr;
  std::vector<std::string> tokens;
};

// The FTS5 MATCH expression requiring every token of every term: each token becomes an FTS5
// string ("" doubles embedded quotes) so user text is never FTS5 syntax, the last token of a
// prefix term becomes `"text" *`, and all are ANDed. Empty when no term has a token.
std::string FtsMatchExpression(const std::vector<TokenizedTerm>& terms);

// An inclusive range of log ids.
struct IdSpan {
  int64_t first = 0;
  int64_t last = 0;
};

struct LogSql {
  std::string sql;
  std::vector<std::variant<int64_t, std::string>> params;  // ?1, ?2, ... in order
};

// Columns: id, ts, host, service, level, message, fields; newest first. Asks for
// `query.limit + 1` rows so that the caller can tell whether there is a next page. `terms`
// holds query.terms tokenized. A term of several tokens must also match as a phrase
// (hw_phrase); a term without any token (e.g. "-" or "::") cannot be found through the index
// and is matched as a literal substring instead. `ids`, when set, restricts the full-text
// search to those ids (used by the zone-planned search, sqlite_log_reader.h).
LogSql BuildLogQuerySql(const LogQuery& query, const std::vector<TokenizedTerm>& terms,
                        const IdSpan* ids);

// Live tail: rows with id > `after_id` passing `filter`'s terms, hosts, services and levels
// (its window and cursor are ignored), id ascending, at most `limit`. Same columns as above.
LogSql BuildLogTailSql(const LogQuery& filter, const std::vector<TokenizedTerm>& terms,
                       int64_t after_id, int limit);

// Histogram: columns bucket ((ts - start) / step_ms), level, count, for rows in `filter`'s
// window passing its terms, hosts, services and levels; sorted by bucket, then level.
LogSql BuildLogCountSql(const LogQuery& filter, const std::vector<TokenizedTerm>& terms,
                        int64_t step_ms);

}  // namespace hivewatch::sqlite
