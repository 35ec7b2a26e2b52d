#include "collector/storage/clickhouse/clickhouse_words.h"

#include <sqlite3.h>

#include <memory>
#include <stdexcept>

#include "collector/storage/sqlite/sqlite_fts.h"

namespace hivewatch::clickhouse {
namespace {

// One in-memory SQLite connection and its unicode61 tokenizer, per thread (a tokenizer is used
// by one thread at a time).
class ThreadTokenizer {
 public:
  ThreadTokenizer() {
    if (sqlite3_open(":memory:", &db_) != SQLITE_OK) throw std::runtime_error("sqlite3_open");
    auto tokenizer = sqlite::TextTokenizer::Create(db_);
    if (!tokenizer.ok()) throw std::runtime_error(tokenizer.status().message());
    tokenizer_ = std::move(tokenizer).value();
  }
  ~ThreadTokenizer() {
    tokenizer_.reset();
    sqlite3_close(db_);
  }
  const sqlite::TextTokenizer& get() const { return *tokenizer_; }

 private:
  sqlite3* db_ = nullptr;
  std::unique_ptr<sqlite::TextTokenizer> tokenizer_;
};

const sqlite::TextTokenizer& Tokenizer() {
  thread_local ThreadTokenizer tokenizer;
  return tokenizer.get();
}

}  // namespace

std::string MessageWords(std::string_view message) {
  std::string words = " ";
  words.reserve(message.size() + 2);
  Tokenizer().ForEachToken(message, [&](std::string_view token) {
    words.append(token);
    words += ' ';
    return true;
  });
  return words;
}

std::vector<std::string> TermTokens(std::string_view text) { return Tokenizer().Tokenize(text); }

}  // namespace hivewatch::clickhouse
