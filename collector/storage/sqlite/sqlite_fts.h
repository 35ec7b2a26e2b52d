// The full-text side of the SQLite backend. logs_fts is an FTS5 index with detail=none (it
// stores which rows contain a token, not where: about half the write cost of the default), so
// FTS5 itself cannot match phrases. Terms are therefore split into tokens with the very
// tokenizer the index uses (unicode61), the index finds the rows containing every token, and
// hw_phrase() checks that a multi-token term's tokens are adjacent and in order.
// A TextTokenizer belongs to one connection and is used by one thread at a time.
#pragma once

#include <sqlite3.h>

#include <memory>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "common/status.h"

namespace hivewatch::sqlite {

class TextTokenizer {
 public:
  // The unicode61 tokenizer with the default options, as logs_fts uses it, from `db`'s FTS5.
  static Result<std::unique_ptr<TextTokenizer>> Create(sqlite3* db);
  ~TextTokenizer();
  TextTokenizer(const TextTokenizer&) = delete;
  TextTokenizer& operator=(const TextTokenizer&) = delete;

  // The index tokens of `text` (case-folded, diacritics removed), in order.
  std::vector<std::string> Tokenize(std::string_view text) const;

  // Feeds every token of `text` to `on_token(token)` until it returns false.
  template <typename F>
  void ForEachToken(std::string_view text, F&& on_token) const;

 private:
  TextTokenizer(fts5_tokenizer api, Fts5Tokenizer* tokenizer) : api_(api), tokenizer_(tokenizer) {}
  using TokenCallback = int (*)(void* ctx, int flags, const char* token, int size, int start,
                                int end);
  void Run(std::string_view text, int flags, void* ctx, TokenCallback callback) const;

  fts5_tokenizer api_;
  Fts5Tokenizer* tokenizer_;
};

template <typename F>
void TextTokenizer::ForEachToken(std::string_view text, F&& on_token) const {
  using Fn = std::remove_reference_t<F>;
  Run(text, FTS5_TOKENIZE_DOCUMENT, &on_token,
      [](void* ctx, int, const char* token, int size, int, int) {
        return (*static_cast<Fn*>(ctx))(std::string_view(token, static_cast<size_t>(size)))
                   ? SQLITE_OK
                   : SQLITE_DONE;
      });
}

// Registers hw_phrase(message, pattern) on `db`: true when the tokens of `pattern` (index
// tokens separated by single spaces, the last one followed by '*' to match as a prefix) occur
// in `message` adjacent and in this order.
Status RegisterPhraseFunction(sqlite3* db);

// The pattern hw_phrase() expects for a term's tokens.
std::string PhrasePattern(const std::vector<std::string>& tokens, bool prefix);

}  // namespace hivewatch::sqlite
