// The words of a log message as the ClickHouse backend searches them. The SQLite backend's
// full-text index splits text with FTS5's unicode61 tokenizer (case-folded, diacritics removed);
// so that both backends give the same answers, this backend uses that very tokenizer (from an
// in-memory SQLite connection per thread) and stores each message's words in a column,
// " w1 w2 … wn " (one space around every word). A term is then one substring test: the words
// " disk full " for a phrase, " ful" for a prefix (see clickhouse_log_sql.h). Thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace hivewatch::clickhouse {

// The message's words column: " " + its index tokens joined by " " + " " (" " when none).
std::string MessageWords(std::string_view message);

// The index tokens of a query term's text, in order.
std::vector<std::string> TermTokens(std::string_view text);

}  // namespace hivewatch::clickhouse
