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

LogSql BuildLogQuerySql(const LogQuery& query, const std::vector<TokenizedTerm>& terms,
                        const IdSpan* ids) {
  LogSql out;
  auto param = [&out](auto value) {
    out.params.emplace_back(std::move(value));
    return "?" + std::to_string(out.params.size());
  };
  auto json_list = [&](const auto& values) {
    nlohmann::json array = nlohmann::json::array();
    for (const auto& v : values) array.push_back(v);
    return param(array.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
  };

  // With a cursor, rows come at or before its ts: one upper bound lets the ts index seek there
  // (SQLite would not know which of two bound parameters is the tighter one).
  int64_t end_ms = query.end_ms;
  if (query.after && query.after->ts_ms < end_ms) end_ms = query.after->ts_ms + 1;
  out.sql = "SELECT id, ts, host, service, level, message, fields FROM logs WHERE ts >= " +
            param(query.start_ms) + " AND ts < " + param(end_ms);
  const std::string match = FtsMatchExpression(terms);
  if (!match.empty()) {
    out.sql += " AND id IN (SELECT rowid FROM logs_fts WHERE logs_fts MATCH " + param(match);
    if (ids != nullptr) {
      out.sql += " AND rowid BETWEEN " + param(ids->first) + " AND " + param(ids->last);
    }
    out.sql += ")";
  }
  if (!query.hosts.empty()) {
    out.sql += " AND host IN (SELECT value FROM json_each(" + json_list(query.hosts) + "))";
  }
  if (!query.services.empty()) {
    out.sql += " AND service IN (SELECT value FROM json_each(" + json_list(query.services) + "))";
  }
  if (!query.levels.empty()) {
    std::vector<int> levels;
    for (Level level : query.levels) levels.push_back(static_cast<int>(level));
    out.sql += " AND level IN (SELECT value FROM json_each(" + json_list(levels) + "))";
  }
  for (const TokenizedTerm& term : terms) {
    if (term.tokens.empty()) {
      out.sql += " AND instr(message, " + param(term.term->text) + ") > 0";
    } else if (term.tokens.size() > 1) {
      out.sql +=
          " AND hw_phrase(message, " + param(PhrasePattern(term.tokens, term.term->prefix)) + ")";
    }
  }
  if (query.after) {
    out.sql +=
        " AND (ts, id) < (" + param(query.after->ts_ms) + ", " + param(query.after->id) + ")";
  }
  out.sql += " ORDER BY ts DESC, id DESC LIMIT " + param(int64_t{query.limit} + 1);
  return out;
}

}  // namespace hivewatch::sqlite
