#include "collector/storage/sqlite/sqlite_fts.h"

#include <utility>

namespace hivewatch::sqlite {
namespace {

// The documented way to reach FTS5's C API from a connection.
fts5_api* Fts5Api(sqlite3* db) {
  fts5_api* api = nullptr;
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_prepare_v2(db, "SELECT fts5(?1)", -1, &stmt, nullptr) == SQLITE_OK) {
    sqlite3_bind_pointer(stmt, 1, &api, "fts5_api_ptr", nullptr);
    sqlite3_step(stmt);
  }
  sqlite3_finalize(stmt);
  return api;
}

struct Pattern {
  std::vector<std::string_view> tokens;
  bool prefix = false;
};

Pattern ParsePattern(std::string_view text) {
  Pattern pattern;
  if (!text.empty() && text.back() == '*') {
    pattern.prefix = true;
    text.remove_suffix(1);
  }
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find(' ', start);
    if (end == std::string_view::npos) end = text.size();
    if (end > start) pattern.tokens.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return pattern;
}

bool TokenMatches(const Pattern& pattern, size_t index, std::string_view token) {
  const std::string_view want = pattern.tokens[index];
  if (pattern.prefix && index + 1 == pattern.tokens.size()) {
    return token.substr(0, want.size()) == want;
  }
  return token == want;
}

void PhraseFunction(sqlite3_context* ctx, int argc, sqlite3_value** argv) {
  if (argc != 2 || sqlite3_value_type(argv[0]) == SQLITE_NULL) {
    sqlite3_result_int(ctx, 0);
    return;
  }
  const auto* tokenizer = static_cast<const TextTokenizer*>(sqlite3_user_data(ctx));
  const auto* text = reinterpret_cast<const char*>(sqlite3_value_text(argv[0]));
  const auto text_size = static_cast<size_t>(sqlite3_value_bytes(argv[0]));
  const auto* pattern_text = reinterpret_cast<const char*>(sqlite3_value_text(argv[1]));
  const Pattern pattern = ParsePattern(std::string_view(
      pattern_text ? pattern_text : "", static_cast<size_t>(sqlite3_value_bytes(argv[1]))));
  if (pattern.tokens.empty()) {
    sqlite3_result_int(ctx, 1);
    return;
  }
  // Lengths of the partial matches still alive after the previous token.
  std::vector<size_t> partial;
  std::vector<size_t> next;
  bool found = false;
  tokenizer->ForEachToken(std::string_view(text ? text : "", text_size),
                          [&](std::string_view token) {
                            next.clear();
                            partial.push_back(0);  // a match may start at this token
                            for (size_t matched : partial) {
                              if (!TokenMatches(pattern, matched, token)) continue;
                              if (matched + 1 == pattern.tokens.size()) {
                                found = true;
                                return false;
                              }
                              next.push_back(matched + 1);
                            }
                            partial.swap(next);
                            return true;
                          });
  sqlite3_result_int(ctx, found ? 1 : 0);
}

}  // namespace

Result<std::unique_ptr<TextTokenizer>> TextTokenizer::Create(sqlite3* db) {
  fts5_api* api = Fts5Api(db);
  if (api == nullptr) return Internal("this SQLite library has no FTS5");
  void* context = nullptr;
  fts5_tokenizer methods{};
  int rc = api->xFindTokenizer(api, "unicode61", &context, &methods);
  if (rc != SQLITE_OK) return Internal("FTS5 has no unicode61 tokenizer");
  Fts5Tokenizer* tokenizer = nullptr;
  rc = methods.xCreate(context, nullptr, 0, &tokenizer);
  if (rc != SQLITE_OK) return Internal("cannot create the unicode61 tokenizer");
  return std::unique_ptr<TextTokenizer>(new TextTokenizer(methods, tokenizer));
}

TextTokenizer::~TextTokenizer() { api_.xDelete(tokenizer_); }

void TextTokenizer::Run(std::string_view text, int flags, void* ctx, TokenCallback callback) const {
  api_.xTokenize(tokenizer_, ctx, flags, text.data(), static_cast<int>(text.size()), callback);
}

std::vector<std::string> TextTokenizer::Tokenize(std::string_view text) const {
  std::vector<std::string> tokens;
  Run(text, FTS5_TOKENIZE_QUERY, &tokens,
      [](void* ctx, int, const char* token, int size, int, int) {
        static_cast<std::vector<std::string>*>(ctx)->emplace_back(token, static_cast<size_t>(size));
        return SQLITE_OK;
      });
  return tokens;
}

Status RegisterPhraseFunction(sqlite3* db) {
  auto tokenizer = TextTokenizer::Create(db);
  if (!tokenizer.ok()) return tokenizer.status();
  TextTokenizer* owned = tokenizer->release();
  const int rc = sqlite3_create_function_v2(db, "hw_phrase", 2, SQLITE_UTF8 | SQLITE_DETERMINISTIC,
                                            owned, PhraseFunction, nullptr, nullptr,
                                            [](void* p) { delete static_cast<TextTokenizer*>(p); });
  if (rc != SQLITE_OK) return Internal("cannot register hw_phrase()");
  return Status::Ok();
}

std::string PhrasePattern(const std::vector<std::string>& tokens, bool prefix) {
  std::string pattern;
  for (const std::string& token : tokens) {
    if (!pattern.empty()) pattern += ' ';
    pattern += token;
  }
  if (prefix) pattern += '*';
  return pattern;
}

}  // namespace hivewatch::sqlite
