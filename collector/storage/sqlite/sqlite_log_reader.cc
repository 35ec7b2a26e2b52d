#include "collector/storage/sqlite/sqlite_log_reader.h"

#include <algorithm>
#include <cstdint>
#include <iterator>
#include <limits>
#include <nlohmann/json.hpp>
#include <string>
#include <variant>
#include <vector>

#include "collector/storage/sqlite/sqlite_log_sql.h"
#include "collector/storage/sqlite/sqlite_schema.h"

namespace hivewatch::sqlite {
namespace {

constexpr size_t kMaxZonesPerRun = 64;

struct Zone {
  int64_t zone = 0;
  int64_t min_ts = 0;
  int64_t max_ts = 0;
};

// Newest first: ts descending, then id descending.
bool Newer(const StoredLog& a, const StoredLog& b) {
  if (a.record.ts_ms != b.record.ts_ms) return a.record.ts_ms > b.record.ts_ms;
  return a.id > b.id;
}

Level LevelFromInt(int64_t value) {
  if (value < 0 || value >= kLevelCount) return Level::kInfo;
  return static_cast<Level>(value);
}

Labels ParseFields(const std::string& text) {
  Labels fields;
  nlohmann::json j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object()) return fields;
  for (auto it = j.begin(); it != j.end(); ++it) {
    if (it.value().is_string()) fields.emplace(it.key(), it.value().get<std::string>());
  }
  return fields;
}

template <typename Statement>
void BindParams(const LogSql& sql, Statement* stmt) {
  for (size_t i = 0; i < sql.params.size(); ++i) {
    const int index = static_cast<int>(i + 1);
    if (const auto* n = std::get_if<int64_t>(&sql.params[i])) {
      stmt->BindInt64(index, *n);
    } else {
      stmt->BindText(index, std::get<std::string>(sql.params[i]));
    }
  }
}

// Runs `sql` and appends its rows (newest first) to `out`.
Status RunLogSql(Connection& conn, const LogSql& sql, std::vector<StoredLog>* out) {
  auto stmt = conn.Prepare(sql.sql);
  if (!stmt.ok()) return stmt.status();
  BindParams(sql, &*stmt);
  int rc;
  while ((rc = stmt->Step()) == SQLITE_ROW) {
    StoredLog log;
    log.id = stmt->ColumnInt64(0);
    log.record.ts_ms = stmt->ColumnInt64(1);
    log.host = stmt->ColumnText(2);
    log.record.service = stmt->ColumnText(3);
    log.record.level = LevelFromInt(stmt->ColumnInt64(4));
    log.record.message = stmt->ColumnText(5);
    if (!stmt->ColumnIsNull(6)) log.record.fields = ParseFields(stmt->ColumnText(6));
    out->push_back(std::move(log));
  }
  if (rc != SQLITE_DONE) return conn.Error(rc, "querying logs");
  return Status::Ok();
}

// Zones that may hold rows in [start_ms, end_ms), newest (by max ts) first.
Result<std::vector<Zone>> LoadZones(Connection& conn, int64_t start_ms, int64_t end_ms) {
  auto stmt = conn.Prepare(sqlite_schema::kLogZonesInWindow);
  if (!stmt.ok()) return stmt.status();
  stmt->BindInt64(1, start_ms);
  stmt->BindInt64(2, end_ms);
  std::vector<Zone> zones;
  int rc;
  while ((rc = stmt->Step()) == SQLITE_ROW) {
    zones.push_back({stmt->ColumnInt64(0), stmt->ColumnInt64(1), stmt->ColumnInt64(2)});
  }
  if (rc != SQLITE_DONE) return conn.Error(rc, "reading the log zone map");
  std::sort(zones.begin(), zones.end(), [](const Zone& a, const Zone& b) {
    return a.max_ts != b.max_ts ? a.max_ts > b.max_ts : a.zone > b.zone;
  });
  return zones;
}

// See the header: visits zones newest-first in growing runs until nothing newer can remain.
Status SearchByZones(Connection& conn, const LogQuery& query,
                     const std::vector<TokenizedTerm>& terms, size_t want,
                     std::vector<StoredLog>* rows) {
  int64_t end_ms = query.end_ms;
  if (query.after && query.after->ts_ms < end_ms) {
    end_ms = query.after->ts_ms + 1;  // rows after the cursor have ts <= its ts
  }
  auto loaded = LoadZones(conn, query.start_ms, end_ms);
  if (!loaded.ok()) return loaded.status();
  const std::vector<Zone>& zones = *loaded;

  // Positions in `zones` sorted by zone number, to mark every zone inside a run's id span.
  std::vector<size_t> by_number(zones.size());
  for (size_t i = 0; i < zones.size(); ++i) by_number[i] = i;
  std::sort(by_number.begin(), by_number.end(),
            [&](size_t a, size_t b) { return zones[a].zone < zones[b].zone; });
  std::vector<bool> visited(zones.size(), false);

  size_t run = 1;
  size_t next = 0;
  std::vector<StoredLog> found;
  std::vector<StoredLog> merged;
  for (;;) {
    while (next < zones.size() && visited[next]) ++next;
    if (next == zones.size()) break;
    if (rows->size() >= want && zones[next].max_ts < (*rows)[want - 1].record.ts_ms) break;

    int64_t first_zone = std::numeric_limits<int64_t>::max();
    int64_t last_zone = std::numeric_limits<int64_t>::min();
    size_t taken = 0;
    for (size_t i = next; i < zones.size() && taken < run; ++i) {
      if (visited[i]) continue;
      first_zone = std::min(first_zone, zones[i].zone);
      last_zone = std::max(last_zone, zones[i].zone);
      ++taken;
    }
    auto lo = std::lower_bound(by_number.begin(), by_number.end(), first_zone,
                               [&](size_t i, int64_t z) { return zones[i].zone < z; });
    for (auto it = lo; it != by_number.end() && zones[*it].zone <= last_zone; ++it) {
      visited[*it] = true;
    }

    const IdSpan span{first_zone << sqlite_schema::kLogZoneBits,
                      ((last_zone + 1) << sqlite_schema::kLogZoneBits) - 1};
    found.clear();
    HW_RETURN_IF_ERROR(RunLogSql(conn, BuildLogQuerySql(query, terms, &span), &found));
    merged.clear();
    std::merge(rows->begin(), rows->end(), found.begin(), found.end(), std::back_inserter(merged),
               Newer);
    if (merged.size() > want) merged.resize(want);
    rows->swap(merged);
    run = std::min(run * 2, kMaxZonesPerRun);
  }
  return Status::Ok();
}

}  // namespace

Result<LogPage> QueryLogsOn(Connection& conn, const TextTokenizer& tokenizer,
                            const LogQuery& query) {
  std::vector<TokenizedTerm> terms;
  for (const TextTerm& term : query.terms) terms.push_back({&term, tokenizer.Tokenize(term.text)});
  const size_t want = static_cast<size_t>(query.limit) + 1;

  HW_RETURN_IF_ERROR(conn.Exec("BEGIN"));
  std::vector<StoredLog> rows;
  Status status = FtsMatchExpression(terms).empty()
                      ? RunLogSql(conn, BuildLogQuerySql(query, terms, nullptr), &rows)
                      : SearchByZones(conn, query, terms, want, &rows);
  (void)conn.Exec("COMMIT");
  HW_RETURN_IF_ERROR(status);

  LogPage page;
  if (rows.size() > static_cast<size_t>(query.limit)) {
    rows.resize(static_cast<size_t>(query.limit));
    const StoredLog& last = rows.back();
    page.next = EncodeLogCursor(LogCursor{last.record.ts_ms, last.id});
  }
  page.logs = std::move(rows);
  return page;
}

Result<LogTail> TailLogsOn(Connection& conn, const TextTokenizer& tokenizer, const LogQuery& filter,
                           std::optional<int64_t> after_id, int limit) {
  std::vector<TokenizedTerm> terms;
  for (const TextTerm& term : filter.terms) terms.push_back({&term, tokenizer.Tokenize(term.text)});

  HW_RETURN_IF_ERROR(conn.Exec("BEGIN"));
  LogTail tail;
  // Read in one snapshot: the newest id first, then the rows up to it.
  Status status = [&]() -> Status {
    auto stmt = conn.Prepare("SELECT coalesce(max(id), 0) FROM logs");
    if (!stmt.ok()) return stmt.status();
    int rc = stmt->Step();
    if (rc != SQLITE_ROW) return conn.Error(rc, "reading the newest log id");
    tail.last_id = stmt->ColumnInt64(0);
    if (!after_id) return Status::Ok();
    HW_RETURN_IF_ERROR(
        RunLogSql(conn, BuildLogTailSql(filter, terms, *after_id, limit), &tail.logs));
    if (tail.logs.size() >= static_cast<size_t>(limit)) tail.last_id = tail.logs.back().id;
    return Status::Ok();
  }();
  (void)conn.Exec("COMMIT");
  HW_RETURN_IF_ERROR(status);
  return tail;
}

Result<std::vector<LogCount>> CountLogsOn(Connection& conn, const TextTokenizer& tokenizer,
                                          const LogQuery& filter, int64_t step_ms) {
  std::vector<TokenizedTerm> terms;
  for (const TextTerm& term : filter.terms) terms.push_back({&term, tokenizer.Tokenize(term.text)});
  const LogSql sql = BuildLogCountSql(filter, terms, step_ms);
  auto stmt = conn.Prepare(sql.sql);
  if (!stmt.ok()) return stmt.status();
  BindParams(sql, &*stmt);
  std::vector<LogCount> counts;
  int rc;
  while ((rc = stmt->Step()) == SQLITE_ROW) {
    counts.push_back(
        {stmt->ColumnInt64(0), LevelFromInt(stmt->ColumnInt64(1)), stmt->ColumnInt64(2)});
  }
  if (rc != SQLITE_DONE) return conn.Error(rc, "counting logs");
  return counts;
}

}  // namespace hivewatch::sqlite
