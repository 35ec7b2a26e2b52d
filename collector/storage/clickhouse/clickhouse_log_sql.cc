#include "collector/storage/clickhouse/clickhouse_log_sql.h"

#include <vector>

#include "collector/storage/clickhouse/clickhouse_client.h"
#include "collector/storage/clickhouse/clickhouse_schema.h"
#include "collector/storage/clickhouse/clickhouse_words.h"

namespace hivewatch::clickhouse {
namespace {

std::string Int(int64_t v) { return "toInt64(" + std::to_string(v) + ")"; }

template <typename List, typename Format>
std::string InList(const char* column, const List& values, Format format) {
  std::string out = std::string(" AND ") + column + " IN (";
  bool first = true;
  for (const auto& v : values) {
    if (!first) out += ", ";
    first = false;
    out += format(v);
  }
  return out + ")";
}

// The condition for one term (see the header).
std::string TermCondition(const TextTerm& term) {
  const std::vector<std::string> tokens = TermTokens(term.text);
  if (tokens.empty()) return "position(message, " + Quote(term.text) + ") > 0";
  std::string needle = " ";
  for (const std::string& token : tokens) needle += token + " ";
  if (term.prefix) needle.pop_back();
  return "position(words, " + Quote(needle) + ") > 0";
}

}  // namespace

std::string LogFilters(const LogQuery& query) {
  std::string out = std::string(" AND ") + kVisibleLogs;
  const auto quote = [](const std::string& s) { return Quote(s); };
  if (!query.hosts.empty()) out += InList("host", query.hosts, quote);
  if (!query.services.empty()) out += InList("service", query.services, quote);
  if (!query.levels.empty()) {
    out += InList("level", query.levels,
                  [](Level level) { return std::to_string(static_cast<int>(level)); });
  }
  for (const TextTerm& term : query.terms) out += " AND " + TermCondition(term);
  return out;
}

std::string LogSearchSql(const LogQuery& query) {
  int64_t end_ms = query.end_ms;
  if (query.after && query.after->ts_ms < end_ms) end_ms = query.after->ts_ms + 1;
  const std::string window = "ts >= " + Int(query.start_ms) + " AND ts < " + Int(end_ms);
  // PREWHERE on the window: rows are sorted by (host, service, ts) within each part, so most
  // granules of the wide `words` column are skipped (measured 3-5x faster than leaving the
  // choice to ClickHouse, which may read `words` first).
  std::string page = "SELECT id FROM logs PREWHERE " + window + " WHERE 1" + LogFilters(query);
  if (query.after) {
    page += " AND (ts < " + Int(query.after->ts_ms) + " OR (ts = " + Int(query.after->ts_ms) +
            " AND id < " + Int(query.after->id) + "))";
  }
  page += " ORDER BY ts DESC, id DESC LIMIT " + std::to_string(int64_t{query.limit} + 1);
  // Two steps: the page's ids from the narrow columns, then the wide ones (message, fields)
  // for those rows only. ClickHouse 18 reads every selected column of every row that passes
  // WHERE before it sorts; PREWHERE on the ids skips the granules without a result.
  return std::string("SELECT ") + kLogColumns + " FROM logs PREWHERE id GLOBAL IN (" + page +
         ") WHERE " + window + " ORDER BY ts DESC, id DESC FORMAT RowBinary";
}

std::string LogTailSql(const LogQuery& filter, int64_t after_id, int64_t upto_id, int limit) {
  return std::string("SELECT ") + kLogColumns + " FROM logs PREWHERE id > " + Int(after_id) +
         " AND id <= " + Int(upto_id) + " WHERE 1" + LogFilters(filter) + " ORDER BY id LIMIT " +
         std::to_string(limit) + " FORMAT RowBinary";
}

std::string LogCountSql(const LogQuery& filter, int64_t step_ms) {
  return "SELECT intDiv(ts - " + Int(filter.start_ms) + ", " + Int(step_ms) +
         ") AS bucket, level, count() FROM logs PREWHERE ts >= " + Int(filter.start_ms) +
         " AND ts < " + Int(filter.end_ms) + " WHERE 1" + LogFilters(filter) +
         " GROUP BY bucket, level ORDER BY bucket, level FORMAT RowBinary";
}

}  // namespace hivewatch::clickhouse
