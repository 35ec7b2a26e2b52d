#include "collector/query/log_query.h"

#include <charconv>

namespace hivewatch {
namespace {

bool IsSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

bool IsBlank(std::string_view s) {
  for (char c : s) {
    if (!IsSpace(c)) return false;
  }
  return true;
}

bool ParseInt64(std::string_view s, int64_t* out) {
  if (s.empty()) return false;
  const char* end = s.data() + s.size();
  auto [ptr, ec] = std::from_chars(s.data(), end, *out);
  return ec == std::errc() && ptr == end;
}

}  // namespace

// Positions in error messages are 1-based character offsets into `q`.
Result<std::vector<TextTerm>> ParseTextQuery(std::string_view q) {
  std::vector<TextTerm> terms;
  size_t i = 0;
  while (i < q.size()) {
    if (IsSpace(q[i])) {
      ++i;
      continue;
    }
    const size_t start = i;
    TextTerm term;
    if (q[i] == '"') {
      const size_t close = q.find('"', i + 1);
      if (close == std::string_view::npos) {
        return InvalidArgument("q: unterminated quote at position " + std::to_string(start + 1));
      }
      term.text = std::string(q.substr(i + 1, close - i - 1));
      term.phrase = true;
      i = close + 1;
      if (i < q.size() && q[i] == '*') {
        term.prefix = true;
        ++i;
      }
      if (IsBlank(term.text)) {
        if (term.prefix) {
          return InvalidArgument("q: empty prefix '*' at position " + std::to_string(i));
        }
        continue;  // "" matches nothing in particular: no constraint
      }
    } else {
      while (i < q.size() && !IsSpace(q[i])) ++i;
      term.text = std::string(q.substr(start, i - start));
      while (!term.text.empty() && term.text.back() == '*') {
        term.text.pop_back();
        term.prefix = true;
      }
      if (term.prefix && term.text.empty()) {
        return InvalidArgument("q: empty prefix '*' at position " + std::to_string(start + 1));
      }
    }
    terms.push_back(std::move(term));
  }
  return terms;
}

std::string EncodeLogCursor(const LogCursor& cursor) {
  return std::to_string(cursor.ts_ms) + "_" + std::to_string(cursor.id);
}

Result<LogCursor> DecodeLogCursor(std::string_view text) {
  const size_t sep = text.find('_');
  LogCursor cursor;
  if (sep == std::string_view::npos || !ParseInt64(text.substr(0, sep), &cursor.ts_ms) ||
      !ParseInt64(text.substr(sep + 1), &cursor.id) || cursor.id < 0) {
    return InvalidArgument("invalid cursor");
  }
  return cursor;
}

}  // namespace hivewatch
