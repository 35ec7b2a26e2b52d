#include "collector/storage/sqlite/sqlite_log_sql.h"

#include <nlohmann/json.hpp>

#include "collector/storage/sqlite/sqlite_fts.h"

namespace hivewatch::sqlite {
namespace {

std::string QuoteFts(const std::string& text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
  return out;
}

}  // namespace

std::string FtsMatchExpression(const std::vector<TokenizedTerm>& terms) {
  std::string expr;
  for (const TokenizedTerm& term : terms) {
    for (size_t i = 0; i < term.tokens.size(); ++i) {
      if (!expr.empty()) expr += ' ';
      expr += QuoteFts(term.tokens[i]);
      if (term.term->prefix && i + 1 == term.tokens.size()) expr += " *";
    }
  }
  return expr;
}

namespace {

// Appends `?N` for `value` to out.params and returns it.
template <typename T>
std::string Param(LogSql* out, T value) {
  out->params.emplace_back(std::move(value));
  return "?" + std::to_string(out->params.size());
}

template <typename List>
std::string JsonListParam(LogSql* out, const List& values) {
  nlohmann::json array = nlohmann::json::array();
  for (const auto& v : values) array.push_back(v);
  return Param(out, array.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

// The host, service, level and phrase/literal conditions shared by searches and the tail.
void AppendFilters(const LogQuery& query, const std::vector<TokenizedTerm>& terms, LogSql* out) {
  if (!query.hosts.empty()) {
    out->sql +=
        " AND host IN (SELECT value FROM json_each(" + JsonListParam(out, query.hosts) + "))";
  }
  if (!query.services.empty()) {
    out->sql +=
        " AND service IN (SELECT value FROM json_each(" + JsonListParam(out, query.services) + "))";
  }
  if (!query.levels.empty()) {
    std::vector<int> levels;
    for (Level level : query.levels) levels.push_back(static_cast<int>(level));
    out->sql += " AND level IN (SELECT value FROM json_each(" + JsonListParam(out, levels) + "))";
  }
  for (const TokenizedTerm& term : terms) {
    if (term.tokens.empty()) {
      out->sql += " AND instr(message, " + Param(out, term.term->text) + ") > 0";
    } else if (term.tokens.size() > 1) {
      out->sql += " AND hw_phrase(message, " +
                  Param(out, PhrasePattern(term.tokens, term.term->prefix)) + ")";
    }
  }
}

constexpr const char* kLogColumns =
    "SELECT id, ts, host, service, level, message, fields FROM logs";

}  // namespace

LogSql BuildLogQuerySql(const LogQuery& query, const std::vector<TokenizedTerm>& terms,
                        const IdSpan* ids) {
  LogSql out;
  // With a cursor, rows come at or before its ts: one upper bound lets the ts index seek there
  // (SQLite would not know which of two bound parameters is the tighter one).
  int64_t end_ms = query.end_ms;
  if (query.after && query.after->ts_ms < end_ms) end_ms = query.after->ts_ms + 1;
  out.sql = std::string(kLogColumns) + " WHERE ts >= " + Param(&out, query.start_ms) +
            " AND ts < " + Param(&out, end_ms);
  const std::string match = FtsMatchExpression(terms);
  if (!match.empty()) {
    out.sql += " AND id IN (SELECT rowid FROM logs_fts WHERE logs_fts MATCH " + Param(&out, match);
    if (ids != nullptr) {
      out.sql += " AND rowid BETWEEN " + Param(&out, ids->first) + " AND " + Param(&out, ids->last);
    }
    out.sql += ")";
  }
  AppendFilters(query, terms, &out);
  if (query.after) {
    out.sql += " AND (ts, id) < (" + Param(&out, query.after->ts_ms) + ", " +
               Param(&out, query.after->id) + ")";
  }
  out.sql += " ORDER BY ts DESC, id DESC LIMIT " + Param(&out, int64_t{query.limit} + 1);
  return out;
}

LogSql BuildLogTailSql(const LogQuery& filter, const std::vector<TokenizedTerm>& terms,
                       int64_t after_id, int limit) {
  LogSql out;
  const std::string after = Param(&out, after_id);
  out.sql = std::string(kLogColumns) + " WHERE id > " + after;
  const std::string match = FtsMatchExpression(terms);
  if (!match.empty()) {
    out.sql += " AND id IN (SELECT rowid FROM logs_fts WHERE logs_fts MATCH " + Param(&out, match) +
               " AND rowid > " + after + ")";
  }
  AppendFilters(filter, terms, &out);
  out.sql += " ORDER BY id LIMIT " + Param(&out, int64_t{limit});
  return out;
}

LogSql BuildLogCountSql(const LogQuery& filter, const std::vector<TokenizedTerm>& terms,
                        int64_t step_ms) {
  LogSql out;
  const std::string start = Param(&out, filter.start_ms);
  out.sql = "SELECT (ts - " + start + ") / " + Param(&out, step_ms) +
            " AS bucket, level, count(*) FROM logs WHERE ts >= " + start + " AND ts < " +
            Param(&out, filter.end_ms);
  const std::string match = FtsMatchExpression(terms);
  if (!match.empty()) {
    out.sql +=
        " AND id IN (SELECT rowid FROM logs_fts WHERE logs_fts MATCH " + Param(&out, match) + ")";
  }
  AppendFilters(filter, terms, &out);
  out.sql += " GROUP BY bucket, level ORDER BY bucket, level";
  return out;
}

}  // namespace hivewatch::sqlite
