#include "collector/query/series_selector.h"

#include <cctype>
#include <cstdint>
#include <string>

#include "collector/storage/label_match.h"

namespace hivewatch {
namespace {

bool IsNameStart(char c, bool colon) {
  return std::isalpha(static_cast<unsigned char>(c)) || c == '_' || (colon && c == ':');
}
bool IsNameChar(char c, bool colon) {
  return IsNameStart(c, colon) || std::isdigit(static_cast<unsigned char>(c));
}

void AppendUtf8(uint32_t cp, std::string* out) {
  if (cp < 0x80) {
    out->push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out->push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// A recursive-descent reader over one selector; every error names the position.
class SelectorParser {
 public:
  explicit SelectorParser(std::string_view text) : text_(text) {}

  Result<std::vector<LabelMatcher>> Parse() {
    std::vector<LabelMatcher> matchers;
    std::string metric_name;
    SkipSpace();
    if (pos_ < text_.size() && IsNameStart(text_[pos_], /*colon=*/true)) {
      metric_name = ReadName(/*colon=*/true);
      matchers.push_back({"__name__", LabelMatcher::Op::kEq, metric_name});
      SkipSpace();
    }
    if (pos_ < text_.size() && text_[pos_] == '{') {
      ++pos_;
      HW_RETURN_IF_ERROR(ParseMatchers(&matchers));
    } else if (metric_name.empty()) {
      return Error("expected a metric name or '{'");
    }
    SkipSpace();
    if (pos_ != text_.size()) return Error("unexpected '" + std::string(1, text_[pos_]) + "'");
    if (!metric_name.empty()) {
      for (size_t i = 1; i < matchers.size(); ++i) {
        if (matchers[i].name == "__name__") {
          return InvalidArgument("metric name must not be set twice in '" + std::string(text_) +
                                 "'");
        }
      }
    }
    return matchers;
  }

 private:
  Status ParseMatchers(std::vector<LabelMatcher>* out) {
    for (;;) {
      SkipSpace();
      if (pos_ < text_.size() && text_[pos_] == '}') {
        ++pos_;
        return Status::Ok();
      }
      if (pos_ >= text_.size() || !IsNameStart(text_[pos_], /*colon=*/false)) {
        return Error(pos_ >= text_.size() ? "expected a label name or '}'"
                                          : "expected a label name");
      }
      LabelMatcher m;
      m.name = ReadName(/*colon=*/false);
      SkipSpace();
      if (Consume("=~")) {
        m.op = LabelMatcher::Op::kRe;
      } else if (Consume("!~")) {
        m.op = LabelMatcher::Op::kNre;
      } else if (Consume("!=")) {
        m.op = LabelMatcher::Op::kNe;
      } else if (Consume("=")) {
        m.op = LabelMatcher::Op::kEq;
      } else {
        return Error("expected one of = != =~ !~ after label '" + m.name + "'");
      }
      SkipSpace();
      HW_RETURN_IF_ERROR(ReadString(&m.value));
      out->push_back(std::move(m));
      SkipSpace();
      if (Consume(",")) continue;
      if (pos_ < text_.size() && text_[pos_] == '}') continue;
      return Error("expected ',' or '}'");
    }
  }

  std::string ReadName(bool colon) {
    const size_t start = pos_;
    while (pos_ < text_.size() && IsNameChar(text_[pos_], colon)) ++pos_;
    return std::string(text_.substr(start, pos_ - start));
  }

  // A quoted string: "…" and '…' with Go's escapes, `…` raw.
  Status ReadString(std::string* out) {
    if (pos_ >= text_.size()) return Error("expected a quoted string");
    const char quote = text_[pos_];
    if (quote != '"' && quote != '\'' && quote != '`') return Error("expected a quoted string");
    const size_t start = pos_++;
    while (pos_ < text_.size() && text_[pos_] != quote) {
      char c = text_[pos_++];
      if (c == '\n' && quote != '`') return ErrorAt(pos_ - 1, "newline in a quoted string");
      if (c != '\\' || quote == '`') {
        out->push_back(c);
        continue;
      }
      HW_RETURN_IF_ERROR(ReadEscape(quote, out));
    }
    if (pos_ >= text_.size()) return ErrorAt(start, "unterminated string");
    ++pos_;
    return Status::Ok();
  }

  Status ReadEscape(char quote, std::string* out) {
    const size_t at = pos_ - 1;
    if (pos_ >= text_.size()) return ErrorAt(at, "unterminated escape");
    const char c = text_[pos_++];
    switch (c) {
      case 'a':
        out->push_back('\a');
        return Status::Ok();
      case 'b':
        out->push_back('\b');
        return Status::Ok();
      case 'f':
        out->push_back('\f');
        return Status::Ok();
      case 'n':
        out->push_back('\n');
        return Status::Ok();
      case 'r':
        out->push_back('\r');
        return Status::Ok();
      case 't':
        out->push_back('\t');
        return Status::Ok();
      case 'v':
        out->push_back('\v');
        return Status::Ok();
      case '\\':
        out->push_back('\\');
        return Status::Ok();
      case '"':
      case '\'':
        if (c != quote) break;
        out->push_back(c);
        return Status::Ok();
      case 'x':
      case 'u':
      case 'U': {
        const size_t digits = c == 'x' ? 2 : c == 'u' ? 4 : 8;
        uint32_t v = 0;
        for (size_t i = 0; i < digits; ++i) {
          const int d = pos_ < text_.size() ? HexDigit(text_[pos_]) : -1;
          if (d < 0)
            return ErrorAt(
                at, std::string("\\") + c + " needs " + std::to_string(digits) + " hex digits");
          v = v * 16 + static_cast<uint32_t>(d);
          ++pos_;
        }
        if (c == 'x') {
          out->push_back(static_cast<char>(v));
        } else if (v > 0x10FFFF || (v >= 0xD800 && v < 0xE000)) {
          return ErrorAt(at, "escape is not a valid Unicode code point");
        } else {
          AppendUtf8(v, out);
        }
        return Status::Ok();
      }
      default:
        if (c >= '0' && c <= '7') {
          uint32_t v = static_cast<uint32_t>(c - '0');
          for (int i = 0; i < 2; ++i) {
            if (pos_ >= text_.size() || text_[pos_] < '0' || text_[pos_] > '7') {
              return ErrorAt(at, "octal escape needs 3 digits");
            }
            v = v * 8 + static_cast<uint32_t>(text_[pos_++] - '0');
          }
          if (v > 255) return ErrorAt(at, "octal escape is larger than 255");
          out->push_back(static_cast<char>(v));
          return Status::Ok();
        }
        break;
    }
    return ErrorAt(at, std::string("unknown escape '\\") + c + "'");
  }

  bool Consume(std::string_view token) {
    if (text_.substr(pos_, token.size()) != token) return false;
    pos_ += token.size();
    return true;
  }

  void SkipSpace() {
    while (pos_ < text_.size() && std::isspace(static_cast<unsigned char>(text_[pos_]))) ++pos_;
  }

  Status Error(const std::string& what) const { return ErrorAt(pos_, what); }
  Status ErrorAt(size_t pos, const std::string& what) const {
    return InvalidArgument("invalid series selector '" + std::string(text_) + "': " + what +
                           " at position " + std::to_string(pos));
  }

  std::string_view text_;
  size_t pos_ = 0;
};

}  // namespace

Result<std::vector<LabelMatcher>> ParseSeriesSelector(std::string_view text) {
  Result<std::vector<LabelMatcher>> matchers = SelectorParser(text).Parse();
  if (!matchers.ok()) return matchers;
  // Prometheus refuses selectors that would select every series (each matcher matching "").
  bool selective = false;
  for (const LabelMatcher& m : *matchers) {
    Result<CompiledMatchers> compiled = CompiledMatchers::Compile({m});
    if (!compiled.ok()) {
      return compiled.status().WithPrefix("invalid series selector '" + std::string(text) + "'");
    }
    selective = selective || !compiled->Matches(Labels{});
  }
  if (!selective) {
    return InvalidArgument("invalid series selector '" + std::string(text) +
                           "': it must contain at least one matcher that does not match the "
                           "empty string, e.g. {__name__=~\".+\"}");
  }
  return matchers;
}

}  // namespace hivewatch
