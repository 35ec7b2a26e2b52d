// A hand-written lexer and recursive-descent parser (precedence climbing for the binary
// operators, with Prometheus's precedences: ^ > unary > * / % > + - > comparisons > and unless
// > or; ^ is right-associative).
#include "collector/query/promql/parser.h"

#include <charconv>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <regex>
#include <set>
#include <string>
#include <utility>

#include "collector/query/promql/functions.h"

namespace hivewatch::promql {

const char* ValueTypeName(ValueType type) {
  switch (type) {
    case ValueType::kScalar:
      return "scalar";
    case ValueType::kVector:
      return "instant vector";
    case ValueType::kMatrix:
      return "range vector";
    case ValueType::kString:
      return "string";
  }
  return "?";
}

bool IsComparison(BinaryOp op) { return op >= BinaryOp::kEqlC && op <= BinaryOp::kLte; }
bool IsSetOperator(BinaryOp op) { return op >= BinaryOp::kAnd; }

const char* BinaryOpName(BinaryOp op) {
  static const char* kNames[] = {
      "+", "-", "*", "/", "%", "^", "==", "!=", ">", "<", ">=", "<=", "and", "or", "unless"};
  return kNames[static_cast<int>(op)];
}

std::string FormatValue(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  char buf[400];
  auto res = std::to_chars(buf, buf + sizeof buf, value, std::chars_format::fixed);
  return std::string(buf, res.ptr);
}

Result<int64_t> ParsePromDurationMs(std::string_view text) {
  static const struct {
    const char* unit;
    int64_t ms;
  } kUnits[] = {{"y", 365LL * 24 * 3600 * 1000},
                {"w", 7LL * 24 * 3600 * 1000},
                {"d", 24LL * 3600 * 1000},
                {"h", 3600LL * 1000},
                {"m", 60LL * 1000},
                {"s", 1000},
                {"ms", 1}};
  auto bad = [&] {
    return InvalidArgument("not a valid duration string: \"" + std::string(text) + "\"");
  };
  if (text.empty()) return bad();
  if (text == "0") return int64_t{0};
  size_t i = 0;
  int next_unit = 0;
  int64_t total = 0;
  while (i < text.size()) {
    size_t digits = i;
    while (digits < text.size() && text[digits] >= '0' && text[digits] <= '9') ++digits;
    if (digits == i) return bad();
    int64_t n = 0;
    auto [p, ec] = std::from_chars(text.data() + i, text.data() + digits, n);
    if (ec != std::errc()) return bad();
    size_t end = digits;
    while (end < text.size() && std::isalpha(static_cast<unsigned char>(text[end]))) ++end;
    const std::string_view unit = text.substr(digits, end - digits);
    int found = -1;
    for (int u = next_unit; u < 7; ++u) {
      if (unit == kUnits[u].unit) found = u;
    }
    if (found < 0) return bad();
    if (n > std::numeric_limits<int64_t>::max() / kUnits[found].ms) return bad();
    total += n * kUnits[found].ms;
    next_unit = found + 1;
    i = end;
  }
  return total;
}

namespace {

// ---- Lexer ------------------------------------------------------------------------------------

enum class Tok {
  kEof,
  kIdent,
  kNumber,
  kDuration,
  kString,
  kLParen,
  kRParen,
  kLBrace,
  kRBrace,
  kLBracket,
  kRBracket,
  kComma,
  kColon,
  kAt,
  kAssign,
  kEqlC,
  kNeq,
  kEqlRegex,
  kNeqRegex,
  kAdd,
  kSub,
  kMul,
  kDiv,
  kMod,
  kPow,
  kGtr,
  kLss,
  kGte,
  kLte,
};

struct Token {
  Tok tok = Tok::kEof;
  int pos = 0;
  int end = 0;
  std::string text;  // raw text (string literals: unquoted value)
  double number = 0;
  int64_t duration_ms = 0;
};

class ParseError {
 public:
  ParseError(int pos, std::string message) : pos(pos), message(std::move(message)) {}
  int pos;
  std::string message;
};

bool IsAlpha(char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '_'; }
bool IsAlnum(char c) { return IsAlpha(c) || (c >= '0' && c <= '9'); }

std::string Describe(const Token& t) {
  switch (t.tok) {
    case Tok::kEof:
      return "end of input";
    case Tok::kIdent:
      return "identifier \"" + t.text + "\"";
    case Tok::kNumber:
      return "number \"" + t.text + "\"";
    case Tok::kDuration:
      return "duration \"" + t.text + "\"";
    case Tok::kString:
      return "string";
    case Tok::kLParen:
      return "left parenthesis \"(\"";
    case Tok::kRParen:
      return "right parenthesis \")\"";
    case Tok::kLBrace:
      return "left brace \"{\"";
    case Tok::kRBrace:
      return "right brace \"}\"";
    case Tok::kLBracket:
      return "left bracket \"[\"";
    case Tok::kRBracket:
      return "right bracket \"]\"";
    case Tok::kComma:
      return "comma \",\"";
    case Tok::kColon:
      return "colon \":\"";
    case Tok::kAt:
      return "\"@\"";
    default:
      return "\"" + t.text + "\"";
  }
}

class Lexer {
 public:
  explicit Lexer(std::string_view in) : in_(in) {}

  Token Next() {
    SkipSpaceAndComments();
    Token t;
    t.pos = static_cast<int>(i_);
    if (i_ >= in_.size()) {
      t.end = t.pos;
      return t;
    }
    const char c = in_[i_];
    auto single = [&](Tok tok, size_t len) {
      t.tok = tok;
      t.text = std::string(in_.substr(i_, len));
      i_ += len;
      t.end = static_cast<int>(i_);
      return t;
    };
    auto next_is = [&](char n) { return i_ + 1 < in_.size() && in_[i_ + 1] == n; };
    switch (c) {
      case '(':
        return single(Tok::kLParen, 1);
      case ')':
        return single(Tok::kRParen, 1);
      case '{':
        return single(Tok::kLBrace, 1);
      case '}':
        return single(Tok::kRBrace, 1);
      case '[':
        return single(Tok::kLBracket, 1);
      case ']':
        return single(Tok::kRBracket, 1);
      case ',':
        return single(Tok::kComma, 1);
      case '@':
        return single(Tok::kAt, 1);
      case '+':
        return single(Tok::kAdd, 1);
      case '-':
        return single(Tok::kSub, 1);
      case '*':
        return single(Tok::kMul, 1);
      case '/':
        return single(Tok::kDiv, 1);
      case '%':
        return single(Tok::kMod, 1);
      case '^':
        return single(Tok::kPow, 1);
      case '=':
        if (next_is('=')) return single(Tok::kEqlC, 2);
        if (next_is('~')) return single(Tok::kEqlRegex, 2);
        return single(Tok::kAssign, 1);
      case '!':
        if (next_is('=')) return single(Tok::kNeq, 2);
        if (next_is('~')) return single(Tok::kNeqRegex, 2);
        throw ParseError(t.pos, "unexpected character after '!': " + CharAt(i_ + 1));
      case '>':
        return next_is('=') ? single(Tok::kGte, 2) : single(Tok::kGtr, 1);
      case '<':
        return next_is('=') ? single(Tok::kLte, 2) : single(Tok::kLss, 1);
      case ':':
        return single(Tok::kColon, 1);
      case '"':
      case '\'':
      case '`':
        return LexString(t);
      default:
        break;
    }
    if ((c >= '0' && c <= '9') ||
        (c == '.' && i_ + 1 < in_.size() && in_[i_ + 1] >= '0' && in_[i_ + 1] <= '9')) {
      return LexNumberOrDuration(t);
    }
    if (IsAlpha(c)) {
      size_t j = i_;
      while (j < in_.size() && (IsAlnum(in_[j]) || in_[j] == ':')) ++j;
      t.tok = Tok::kIdent;
      t.text = std::string(in_.substr(i_, j - i_));
      i_ = j;
      t.end = static_cast<int>(i_);
      const std::string lower = Lower(t.text);
      if (lower == "inf" || lower == "nan") {
        t.tok = Tok::kNumber;
        t.number = lower == "inf" ? std::numeric_limits<double>::infinity()
                                  : std::numeric_limits<double>::quiet_NaN();
      }
      return t;
    }
    throw ParseError(t.pos, "unexpected character: " + CharAt(i_));
  }

 private:
  static std::string Lower(std::string s) {
    for (char& ch : s) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    return s;
  }
  std::string CharAt(size_t i) const {
    if (i >= in_.size()) return "end of input";
    return "'" + std::string(1, in_[i]) + "'";
  }

  void SkipSpaceAndComments() {
    while (i_ < in_.size()) {
      const char c = in_[i_];
      if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
        ++i_;
      } else if (c == '#') {
        while (i_ < in_.size() && in_[i_] != '\n') ++i_;
      } else {
        break;
      }
    }
  }

  Token LexNumberOrDuration(Token t) {
    size_t j = i_;
    const bool hex =
        in_[j] == '0' && j + 1 < in_.size() && (in_[j + 1] == 'x' || in_[j + 1] == 'X');
    if (hex) {
      j += 2;
      while (j < in_.size() && std::isxdigit(static_cast<unsigned char>(in_[j]))) ++j;
    } else {
      while (j < in_.size() && std::isdigit(static_cast<unsigned char>(in_[j]))) ++j;
      // A duration: digits followed by a unit letter (and possibly more digit/unit groups).
      if (j < in_.size() && std::string_view("smhdwy").find(in_[j]) != std::string_view::npos) {
        size_t k = j;
        while (k < in_.size() && IsAlnum(in_[k])) ++k;
        const std::string_view text = in_.substr(i_, k - i_);
        auto ms = ParsePromDurationMs(text);
        if (!ms.ok())
          throw ParseError(t.pos, "bad number or duration syntax: \"" + std::string(text) + "\"");
        t.tok = Tok::kDuration;
        t.text = std::string(text);
        t.duration_ms = *ms;
        i_ = k;
        t.end = static_cast<int>(i_);
        return t;
      }
      if (j < in_.size() && in_[j] == '.') {
        ++j;
        while (j < in_.size() && std::isdigit(static_cast<unsigned char>(in_[j]))) ++j;
      }
      if (j < in_.size() && (in_[j] == 'e' || in_[j] == 'E')) {
        size_t k = j + 1;
        if (k < in_.size() && (in_[k] == '+' || in_[k] == '-')) ++k;
        if (k < in_.size() && std::isdigit(static_cast<unsigned char>(in_[k]))) {
          while (k < in_.size() && std::isdigit(static_cast<unsigned char>(in_[k]))) ++k;
          j = k;
        }
      }
    }
    const std::string text(in_.substr(i_, j - i_));
    if (j < in_.size() && (IsAlnum(in_[j]) || in_[j] == '.')) {
      size_t k = j;
      while (k < in_.size() && (IsAlnum(in_[k]) || in_[k] == '.')) ++k;
      throw ParseError(
          t.pos, "bad number or duration syntax: \"" + std::string(in_.substr(i_, k - i_)) + "\"");
    }
    t.tok = Tok::kNumber;
    t.text = text;
    t.number = hex ? static_cast<double>(std::strtoull(text.c_str() + 2, nullptr, 16))
                   : std::strtod(text.c_str(), nullptr);
    i_ = j;
    t.end = static_cast<int>(i_);
    return t;
  }

  Token LexString(Token t) {
    const char quote = in_[i_];
    size_t j = i_ + 1;
    std::string value;
    for (;;) {
      if (j >= in_.size()) throw ParseError(t.pos, "unterminated quoted string");
      const char c = in_[j];
      if (c == quote) break;
      if (quote != '`' && c == '\n') throw ParseError(t.pos, "unterminated quoted string");
      if (quote != '`' && c == '\\') {
        if (j + 1 >= in_.size()) throw ParseError(t.pos, "unterminated quoted string");
        const char e = in_[j + 1];
        j += 2;
        switch (e) {
          case 'a':
            value += '\a';
            break;
          case 'b':
            value += '\b';
            break;
          case 'f':
            value += '\f';
            break;
          case 'n':
            value += '\n';
            break;
          case 'r':
            value += '\r';
            break;
          case 't':
            value += '\t';
            break;
          case 'v':
            value += '\v';
            break;
          case '\\':
            value += '\\';
            break;
          case '"':
            value += '"';
            break;
          case '\'':
            value += '\'';
            break;
          case 'x':
          case 'u':
          case 'U': {
            const size_t len = e == 'x' ? 2 : e == 'u' ? 4 : 8;
            if (j + len > in_.size()) throw ParseError(t.pos, "invalid escape sequence");
            const std::string hex(in_.substr(j, len));
            char* end = nullptr;
            const unsigned long code = std::strtoul(hex.c_str(), &end, 16);
            if (*end != '\0') throw ParseError(static_cast<int>(j), "invalid escape sequence");
            j += len;
            if (e == 'x') {
              value += static_cast<char>(code);
            } else {
              AppendUtf8(static_cast<uint32_t>(code), &value);
            }
            break;
          }
          default:
            if (e >= '0' && e <= '7' && j + 1 < in_.size()) {
              const std::string oct(in_.substr(j - 1, 3));
              char* end = nullptr;
              const unsigned long code = std::strtoul(oct.c_str(), &end, 8);
              if (*end != '\0' || code > 255) {
                throw ParseError(static_cast<int>(j - 2), "invalid escape sequence");
              }
              value += static_cast<char>(code);
              j += 2;
              break;
            }
            throw ParseError(static_cast<int>(j - 2),
                             std::string("unknown escape sequence '\\") + e + "'");
        }
        continue;
      }
      value += c;
      ++j;
    }
    t.tok = Tok::kString;
    t.text = std::move(value);
    i_ = j + 1;
    t.end = static_cast<int>(i_);
    return t;
  }

  static void AppendUtf8(uint32_t cp, std::string* out) {
    if (cp < 0x80) {
      *out += static_cast<char>(cp);
    } else if (cp < 0x800) {
      *out += static_cast<char>(0xC0 | (cp >> 6));
      *out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
      *out += static_cast<char>(0xE0 | (cp >> 12));
      *out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      *out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
      *out += static_cast<char>(0xF0 | (cp >> 18));
      *out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
      *out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      *out += static_cast<char>(0x80 | (cp & 0x3F));
    }
  }

  std::string_view in_;
  size_t i_ = 0;
};

// ---- Parser -----------------------------------------------------------------------------------

const std::set<std::string>& Keywords() {
  static const std::set<std::string> kKeywords = {"by",         "without",     "on",     "ignoring",
                                                  "group_left", "group_right", "offset", "bool",
                                                  "and",        "or",          "unless", "atan2"};
  return kKeywords;
}

struct AggregatorInfo {
  const char* name;
  AggregateOp op;
  bool supported;
  bool has_param;
};

const AggregatorInfo* FindAggregator(const std::string& name) {
  static const AggregatorInfo kAggregators[] = {
      {"sum", AggregateOp::kSum, true, false},
      {"avg", AggregateOp::kAvg, true, false},
      {"min", AggregateOp::kMin, true, false},
      {"max", AggregateOp::kMax, true, false},
      {"count", AggregateOp::kCount, true, false},
      {"group", AggregateOp::kGroup, true, false},
      {"stddev", AggregateOp::kStddev, true, false},
      {"stdvar", AggregateOp::kStdvar, true, false},
      {"topk", AggregateOp::kTopk, true, true},
      {"bottomk", AggregateOp::kBottomk, true, true},
      {"quantile", AggregateOp::kQuantile, true, true},
      {"count_values", AggregateOp::kCount, false, true},
  };
  for (const AggregatorInfo& a : kAggregators) {
    if (name == a.name) return &a;
  }
  return nullptr;
}

struct BinaryInfo {
  BinaryOp op;
  int precedence;
};

std::optional<BinaryInfo> BinaryOf(const Token& t) {
  switch (t.tok) {
    case Tok::kAdd:
      return BinaryInfo{BinaryOp::kAdd, 4};
    case Tok::kSub:
      return BinaryInfo{BinaryOp::kSub, 4};
    case Tok::kMul:
      return BinaryInfo{BinaryOp::kMul, 5};
    case Tok::kDiv:
      return BinaryInfo{BinaryOp::kDiv, 5};
    case Tok::kMod:
      return BinaryInfo{BinaryOp::kMod, 5};
    case Tok::kPow:
      return BinaryInfo{BinaryOp::kPow, 6};
    case Tok::kEqlC:
      return BinaryInfo{BinaryOp::kEqlC, 3};
    case Tok::kNeq:
      return BinaryInfo{BinaryOp::kNeq, 3};
    case Tok::kGtr:
      return BinaryInfo{BinaryOp::kGtr, 3};
    case Tok::kLss:
      return BinaryInfo{BinaryOp::kLss, 3};
    case Tok::kGte:
      return BinaryInfo{BinaryOp::kGte, 3};
    case Tok::kLte:
      return BinaryInfo{BinaryOp::kLte, 3};
    case Tok::kIdent:
      if (t.text == "and") return BinaryInfo{BinaryOp::kAnd, 2};
      if (t.text == "unless") return BinaryInfo{BinaryOp::kUnless, 2};
      if (t.text == "or") return BinaryInfo{BinaryOp::kOr, 1};
      return std::nullopt;
    default:
      return std::nullopt;
  }
}

// libstdc++ compiles and matches std::regex recursively (a frame per term, and per group
// level) and by backtracking: these checks keep a hostile pattern from overflowing a worker's
// stack or matching for ever. Refused: patterns over kMaxRegexBytes, groups nested deeper than
// kMaxRegexGroupDepth, two repetition operators in a row (`a**`, `a+{2}`; RE2, which Prometheus
// uses, refuses them too) and a repeated group that itself holds a repetition (`(a*)*`,
// `(a|b+)+`: nested repetition takes exponential time to fail).
constexpr size_t kMaxRegexBytes = 4096;
constexpr int kMaxRegexGroupDepth = 32;

void CheckRegex(const std::string& pattern, int pos) {
  auto refuse = [&](const std::string& why) {
    const std::string shown = pattern.size() > 100 ? pattern.substr(0, 100) + "..." : pattern;
    throw ParseError(pos, "invalid regular expression \"" + shown + "\": " + why);
  };
  if (pattern.size() > kMaxRegexBytes) {
    refuse("longer than " + std::to_string(kMaxRegexBytes) + " bytes");
  }
  // One entry per open group: whether it holds a repetition.
  std::vector<bool> groups = {false};
  bool after_quantifier = false;       // the previous token was a quantifier
  bool after_repeating_group = false;  // the previous atom was a group holding a repetition
  for (size_t i = 0; i < pattern.size(); ++i) {
    const char c = pattern[i];
    const bool repeat = c == '*' || c == '+' || c == '{';
    if (repeat || c == '?') {
      if (c == '?' && after_quantifier) continue;  // lazy: a*?, a+?
      if (repeat && after_quantifier) refuse("two repetition operators in a row");
      if (repeat && after_repeating_group) {
        refuse("a repeated group holds a repetition (nested repetition)");
      }
      if (c == '{') {
        const size_t close = pattern.find('}', i);
        if (close == std::string::npos) return;  // not a quantifier; std::regex judges it
        i = close;
      }
      if (repeat) groups.back() = true;
      after_quantifier = true;
      after_repeating_group = false;
      continue;
    }
    after_quantifier = false;
    after_repeating_group = false;
    if (c == '\\') {
      ++i;  // an escaped character such as \( opens no group
    } else if (c == '[') {
      // A class is one atom: skip to its end ("]" right after "[" or "[^" is a member).
      size_t j = i + 1;
      if (j < pattern.size() && pattern[j] == '^') ++j;
      if (j < pattern.size() && pattern[j] == ']') ++j;
      while (j < pattern.size() && pattern[j] != ']') j += pattern[j] == '\\' ? 2 : 1;
      i = j;
    } else if (c == '(') {
      if (static_cast<int>(groups.size()) > kMaxRegexGroupDepth) {
        refuse("groups nested deeper than " + std::to_string(kMaxRegexGroupDepth) + " levels");
      }
      groups.push_back(false);
    } else if (c == ')' && groups.size() > 1) {
      const bool held = groups.back();
      groups.pop_back();
      groups.back() = groups.back() || held;
      after_repeating_group = held;
    }
  }
}

// Deeper is refused (Prometheus has no such limit; real queries nest a handful of levels).
constexpr int kMaxNesting = 200;

class Parser {
 public:
  explicit Parser(std::string_view in) : lexer_(in) { Advance(); }

  ExprPtr ParseTop() {
    if (tok_.tok == Tok::kEof) throw ParseError(0, "no expression found in input");
    ExprPtr e = ParseBinary(0);
    if (tok_.tok != Tok::kEof) Unexpected("");
    return e;
  }

  std::unique_ptr<VectorSelector> ParseSelectorOnly() {
    if (tok_.tok == Tok::kEof) throw ParseError(0, "no expression found in input");
    const Token start = tok_;
    std::unique_ptr<VectorSelector> vs;
    if (tok_.tok == Tok::kIdent && !Keywords().count(tok_.text)) {
      Advance();
      vs = ParseVectorSelector(start.text, start.pos);
    } else if (tok_.tok == Tok::kLBrace) {
      vs = ParseVectorSelector("", start.pos);
    } else {
      Unexpected("", "expected a series selector");
    }
    if (tok_.tok != Tok::kEof) Unexpected("", "expected end of the series selector");
    return vs;
  }

 private:
  void Advance() { tok_ = lexer_.Next(); }

  [[noreturn]] void Unexpected(const std::string& context, const std::string& expected = "") {
    std::string msg = "unexpected " + Describe(tok_);
    if (!context.empty()) msg += " in " + context;
    if (!expected.empty()) msg += ", " + expected;
    throw ParseError(tok_.pos, msg);
  }

  void Expect(Tok tok, const std::string& context, const std::string& expected) {
    if (tok_.tok != tok) Unexpected(context, expected);
    Advance();
  }

  bool IsKeyword(const char* word) const { return tok_.tok == Tok::kIdent && tok_.text == word; }

  ExprPtr ParseBinary(int min_precedence) {
    // Every nesting (parentheses, unary minus, function arguments, the right side of an
    // operator) passes here: bound it, so a hostile query cannot overflow the stack.
    if (depth_ >= kMaxNesting) {
      throw ParseError(tok_.pos,
                       "expression nested deeper than " + std::to_string(kMaxNesting) + " levels");
    }
    struct Nest {
      int& depth;
      ~Nest() { --depth; }
    } nest{++depth_};
    ExprPtr lhs = ParseUnary();
    for (;;) {
      std::optional<BinaryInfo> info = BinaryOf(tok_);
      if (!info) {
        if (IsKeyword("atan2")) {
          throw ParseError(tok_.pos, "operator \"atan2\" is not supported by hivewatch");
        }
        return lhs;
      }
      if (info->precedence < min_precedence) return lhs;
      const Token op_token = tok_;
      Advance();
      auto node = std::make_unique<Binary>();
      node->op = info->op;
      ParseBinaryModifiers(node.get());
      // ^ is right-associative; everything else is left-associative.
      node->rhs = node->op == BinaryOp::kPow ? ParseBinary(info->precedence)
                                             : ParseBinary(info->precedence + 1);
      node->lhs = std::move(lhs);
      node->pos = {node->lhs->pos.start, node->rhs->pos.end};
      CheckBinary(node.get(), op_token);
      lhs = std::move(node);
    }
  }

  void ParseBinaryModifiers(Binary* node) {
    if (IsKeyword("bool")) {
      if (!IsComparison(node->op)) {
        throw ParseError(tok_.pos, "bool modifier can only be used on comparison operators");
      }
      node->return_bool = true;
      Advance();
    }
    if (IsSetOperator(node->op)) node->matching.card = VectorMatching::Card::kManyToMany;
    if (IsKeyword("on") || IsKeyword("ignoring")) {
      node->matching.on = tok_.text == "on";
      Advance();
      node->matching.labels = ParseLabelList("grouping opts");
      if (IsKeyword("group_left") || IsKeyword("group_right")) {
        if (IsSetOperator(node->op)) {
          throw ParseError(tok_.pos, std::string("no grouping allowed for \"") +
                                         BinaryOpName(node->op) + "\" operation");
        }
        node->matching.card = tok_.text == "group_left" ? VectorMatching::Card::kManyToOne
                                                        : VectorMatching::Card::kOneToMany;
        Advance();
        if (tok_.tok == Tok::kLParen) node->matching.include = ParseLabelList("grouping opts");
      }
    } else if (IsKeyword("group_left") || IsKeyword("group_right")) {
      Unexpected("", "expected \"on\" or \"ignoring\" before it");
    }
    for (const std::string& l : node->matching.labels) {
      for (const std::string& i : node->matching.include) {
        if (l == i && node->matching.on) {
          throw ParseError(tok_.pos,
                           "label \"" + l + "\" must not occur in ON and GROUP clause at once");
        }
      }
    }
  }

  void CheckBinary(Binary* node, const Token& op_token) {
    const ValueType lt = node->lhs->type;
    const ValueType rt = node->rhs->type;
    auto ok_type = [](ValueType t) { return t == ValueType::kScalar || t == ValueType::kVector; };
    if (!ok_type(lt) || !ok_type(rt)) {
      throw ParseError(node->pos.start,
                       "binary expression must contain only scalar and instant vector types");
    }
    const bool both_vectors = lt == ValueType::kVector && rt == ValueType::kVector;
    if (IsSetOperator(node->op) && !both_vectors) {
      throw ParseError(op_token.pos, std::string("set operator \"") + BinaryOpName(node->op) +
                                         "\" not allowed in binary scalar expression");
    }
    if (!both_vectors &&
        (node->matching.on || !node->matching.labels.empty() || !node->matching.include.empty() ||
         node->matching.card == VectorMatching::Card::kManyToOne ||
         node->matching.card == VectorMatching::Card::kOneToMany)) {
      throw ParseError(op_token.pos, "vector matching only allowed between instant vectors");
    }
    if (lt == ValueType::kScalar && rt == ValueType::kScalar && IsComparison(node->op) &&
        !node->return_bool) {
      throw ParseError(op_token.pos, "comparisons between scalars must use BOOL modifier");
    }
    node->type = (lt == ValueType::kVector || rt == ValueType::kVector) ? ValueType::kVector
                                                                        : ValueType::kScalar;
  }

  ExprPtr ParseUnary() {
    if (tok_.tok == Tok::kSub || tok_.tok == Tok::kAdd) {
      const Token op = tok_;
      Advance();
      ExprPtr operand = ParseBinary(6);  // binds tighter than * but looser than ^
      if (operand->type != ValueType::kScalar && operand->type != ValueType::kVector) {
        throw ParseError(op.pos,
                         "unary expression only allowed on expressions of type scalar or instant "
                         "vector");
      }
      if (operand->kind == Expr::Kind::kNumber) {
        auto* n = static_cast<NumberLiteral*>(operand.get());
        if (op.tok == Tok::kSub) n->value = -n->value;
        n->pos.start = op.pos;
        return operand;
      }
      auto node = std::make_unique<Unary>();
      node->negate = op.tok == Tok::kSub;
      node->type = operand->type;
      node->pos = {op.pos, operand->pos.end};
      node->expr = std::move(operand);
      return node;
    }
    return ParsePostfix(ParsePrimary());
  }

  ExprPtr ParsePostfix(ExprPtr e) {
    for (;;) {
      if (tok_.tok == Tok::kLBracket) {
        const Token open = tok_;
        Advance();
        if (tok_.tok != Tok::kDuration) {
          if (tok_.tok == Tok::kNumber) {
            throw ParseError(tok_.pos, "bad duration syntax: \"" + tok_.text + "\"");
          }
          Unexpected("range selector", "expected a duration such as 5m");
        }
        const Token range = tok_;
        Advance();
        if (tok_.tok == Tok::kColon) {
          throw ParseError(open.pos, "subqueries are not supported by hivewatch");
        }
        if (e->kind != Expr::Kind::kVectorSelector) {
          throw ParseError(open.pos, "ranges only allowed for vector selectors");
        }
        if (static_cast<VectorSelector*>(e.get())->offset_ms != 0) {
          throw ParseError(open.pos, "no offset modifiers allowed before range");
        }
        if (tok_.tok != Tok::kRBracket) Unexpected("range selector", "expected \"]\"");
        const int end = tok_.end;
        Advance();
        if (range.duration_ms <= 0) {
          throw ParseError(range.pos, "range must be greater than zero: \"" + range.text + "\"");
        }
        auto m = std::make_unique<MatrixSelector>();
        m->pos = {e->pos.start, end};
        m->range_ms = range.duration_ms;
        m->selector.reset(static_cast<VectorSelector*>(e.release()));
        e = std::move(m);
      } else if (IsKeyword("offset")) {
        const Token kw = tok_;
        Advance();
        int sign = 1;
        if (tok_.tok == Tok::kSub || tok_.tok == Tok::kAdd) {
          sign = tok_.tok == Tok::kSub ? -1 : 1;
          Advance();
        }
        if (tok_.tok != Tok::kDuration) Unexpected("offset", "expected a duration");
        VectorSelector* vs = nullptr;
        if (e->kind == Expr::Kind::kVectorSelector) {
          vs = static_cast<VectorSelector*>(e.get());
        } else if (e->kind == Expr::Kind::kMatrixSelector) {
          vs = static_cast<MatrixSelector*>(e.get())->selector.get();
        } else {
          throw ParseError(kw.pos,
                           "offset modifier must be preceded by an instant vector selector or "
                           "range vector selector");
        }
        if (vs->offset_ms != 0) throw ParseError(kw.pos, "offset may not be set multiple times");
        vs->offset_ms = sign * tok_.duration_ms;
        e->pos.end = tok_.end;
        Advance();
      } else if (tok_.tok == Tok::kAt) {
        throw ParseError(tok_.pos, "the @ modifier is not supported by hivewatch");
      } else {
        return e;
      }
    }
  }

  ExprPtr ParsePrimary() {
    const Token t = tok_;
    switch (t.tok) {
      case Tok::kNumber: {
        Advance();
        auto n = std::make_unique<NumberLiteral>();
        n->value = t.number;
        n->pos = {t.pos, t.end};
        return n;
      }
      case Tok::kString: {
        Advance();
        auto s = std::make_unique<StringLiteral>();
        s->value = t.text;
        s->pos = {t.pos, t.end};
        return s;
      }
      case Tok::kLParen: {
        Advance();
        auto p = std::make_unique<Paren>();
        p->expr = ParseBinary(0);
        if (tok_.tok != Tok::kRParen) Unexpected("parenthesized expression", "expected \")\"");
        p->type = p->expr->type;
        p->pos = {t.pos, tok_.end};
        Advance();
        return p;
      }
      case Tok::kLBrace:
        return ParseVectorSelector("", t.pos);
      case Tok::kIdent: {
        if (const AggregatorInfo* agg = FindAggregator(t.text)) return ParseAggregate(*agg);
        if (Keywords().count(t.text)) Unexpected("");
        Advance();
        if (tok_.tok == Tok::kLParen) return ParseCall(t);
        return ParseVectorSelector(t.text, t.pos);
      }
      case Tok::kEof:
        Unexpected("", "expected an expression");
      default:
        Unexpected("");
    }
  }

  std::vector<std::string> ParseLabelList(const std::string& context) {
    Expect(Tok::kLParen, context, "expected \"(\"");
    std::vector<std::string> labels;
    while (tok_.tok != Tok::kRParen) {
      if (tok_.tok != Tok::kIdent || tok_.text.find(':') != std::string::npos) {
        Unexpected(context, "expected label");
      }
      labels.push_back(tok_.text);
      Advance();
      if (tok_.tok == Tok::kComma) {
        Advance();
      } else if (tok_.tok != Tok::kRParen) {
        Unexpected(context, "expected \",\" or \")\"");
      }
    }
    Advance();
    return labels;
  }

  ExprPtr ParseAggregate(const AggregatorInfo& info) {
    const Token name = tok_;
    if (!info.supported) {
      throw ParseError(
          name.pos, std::string("aggregation \"") + info.name + "\" is not supported by hivewatch");
    }
    Advance();
    auto node = std::make_unique<Aggregate>();
    node->op = info.op;
    bool grouped = false;
    auto grouping = [&] {
      if (IsKeyword("by") || IsKeyword("without")) {
        if (grouped) Unexpected("aggregation");
        node->without = tok_.text == "without";
        Advance();
        node->grouping = ParseLabelList("grouping opts");
        grouped = true;
      }
    };
    grouping();
    if (tok_.tok != Tok::kLParen) Unexpected("aggregation", "expected \"(\"");
    Advance();
    if (info.has_param) {
      node->param = ParseBinary(0);
      if (tok_.tok != Tok::kComma) Unexpected("aggregation", "expected \",\"");
      Advance();
    }
    if (tok_.tok == Tok::kRParen) Unexpected("aggregation", "expected an expression");
    node->expr = ParseBinary(0);
    if (tok_.tok != Tok::kRParen) {
      if (tok_.tok == Tok::kComma && !info.has_param) {
        throw ParseError(tok_.pos, std::string("wrong number of arguments for aggregate "
                                               "expression provided, expected 1, got 2"));
      }
      Unexpected("aggregation", "expected \")\"");
    }
    node->pos = {name.pos, tok_.end};
    Advance();
    grouping();
    if (node->expr->type != ValueType::kVector) {
      throw ParseError(node->expr->pos.start,
                       std::string("expected type instant vector in aggregation expression, got ") +
                           ValueTypeName(node->expr->type));
    }
    if (node->param && node->param->type != ValueType::kScalar) {
      throw ParseError(node->param->pos.start,
                       std::string("expected type scalar in aggregation parameter, got ") +
                           ValueTypeName(node->param->type));
    }
    return node;
  }

  ExprPtr ParseCall(const Token& name) {
    const Function* func = FindFunction(name.text);
    if (func == nullptr) {
      throw ParseError(name.pos, "unknown function with name \"" + name.text + "\"");
    }
    if (func->id == FunctionId::kUnsupported) {
      throw ParseError(name.pos, "function \"" + name.text + "\" is not supported by hivewatch");
    }
    Advance();  // (
    auto call = std::make_unique<Call>();
    call->func = func;
    call->type = func->result;
    while (tok_.tok != Tok::kRParen) {
      call->args.push_back(ParseBinary(0));
      if (tok_.tok == Tok::kComma) {
        Advance();
      } else if (tok_.tok != Tok::kRParen) {
        Unexpected("function call", "expected \",\" or \")\"");
      }
    }
    call->pos = {name.pos, tok_.end};
    Advance();
    const size_t max = func->args.size();
    const size_t min = max - static_cast<size_t>(func->optional_args);
    if (call->args.size() < min || call->args.size() > max) {
      const std::string expected =
          min == max ? std::to_string(max)
                     : (call->args.size() < min ? "at least " + std::to_string(min)
                                                : "at most " + std::to_string(max));
      throw ParseError(name.pos, "expected " + expected + " argument(s) in call to \"" + name.text +
                                     "\", got " + std::to_string(call->args.size()));
    }
    for (size_t i = 0; i < call->args.size(); ++i) {
      if (call->args[i]->type != func->args[i]) {
        throw ParseError(call->args[i]->pos.start,
                         std::string("expected type ") + ValueTypeName(func->args[i]) +
                             " in call to function \"" + name.text + "\", got " +
                             ValueTypeName(call->args[i]->type));
      }
    }
    return call;
  }

  std::unique_ptr<VectorSelector> ParseVectorSelector(const std::string& name, int start) {
    auto vs = std::make_unique<VectorSelector>();
    vs->name = name;
    vs->pos = {start, start + static_cast<int>(name.size())};
    if (tok_.tok == Tok::kLBrace) {
      Advance();
      while (tok_.tok != Tok::kRBrace) {
        if (tok_.tok != Tok::kIdent || tok_.text.find(':') != std::string::npos) {
          Unexpected("label matching", "expected label matching operator");
        }
        const Token label = tok_;
        Advance();
        LabelMatcher m;
        m.name = label.text;
        switch (tok_.tok) {
          case Tok::kAssign:
            m.op = LabelMatcher::Op::kEq;
            break;
          case Tok::kNeq:
            m.op = LabelMatcher::Op::kNe;
            break;
          case Tok::kEqlRegex:
            m.op = LabelMatcher::Op::kRe;
            break;
          case Tok::kNeqRegex:
            m.op = LabelMatcher::Op::kNre;
            break;
          default:
            Unexpected("label matching", "expected one of \"=\", \"!=\", \"=~\" or \"!~\"");
        }
        Advance();
        if (tok_.tok != Tok::kString) Unexpected("label matching", "expected string");
        m.value = tok_.text;
        if (m.op == LabelMatcher::Op::kRe || m.op == LabelMatcher::Op::kNre) {
          CheckRegex(m.value, tok_.pos);
          try {
            std::regex re(m.value, std::regex::ECMAScript);
          } catch (const std::regex_error& e) {
            throw ParseError(tok_.pos,
                             "invalid regular expression \"" + m.value + "\": " + e.what());
          }
        }
        Advance();
        if (m.name == "__name__" && !name.empty()) {
          throw ParseError(label.pos, "metric name must not be set twice: \"" + name + "\" or \"" +
                                          m.value + "\"");
        }
        vs->matchers.push_back(std::move(m));
        if (tok_.tok == Tok::kComma) {
          Advance();
        } else if (tok_.tok != Tok::kRBrace) {
          Unexpected("label matching", "expected \",\" or \"}\"");
        }
      }
      vs->pos.end = tok_.end;
      Advance();
    }
    if (!name.empty()) {
      vs->matchers.insert(vs->matchers.begin(),
                          LabelMatcher{"__name__", LabelMatcher::Op::kEq, name});
    }
    bool non_empty = false;
    for (const LabelMatcher& m : vs->matchers) {
      switch (m.op) {
        case LabelMatcher::Op::kEq:
          non_empty = non_empty || !m.value.empty();
          break;
        case LabelMatcher::Op::kNe:
          non_empty = non_empty || m.value.empty();
          break;
        case LabelMatcher::Op::kRe:
          non_empty = non_empty || !std::regex_match("", std::regex(m.value));
          break;
        case LabelMatcher::Op::kNre:
          non_empty = non_empty || std::regex_match("", std::regex(m.value));
          break;
      }
    }
    if (!non_empty) {
      throw ParseError(start, "vector selector must contain at least one non-empty matcher");
    }
    return vs;
  }

  Lexer lexer_;
  int depth_ = 0;  // ParseBinary calls in progress
  Token tok_;
};

Status ErrorStatus(std::string_view query, const ParseError& e) {
  int line = 1;
  int last_break = -1;
  const int pos = std::min(std::max(e.pos, 0), static_cast<int>(query.size()));
  for (int i = 0; i < pos; ++i) {
    if (query[static_cast<size_t>(i)] == '\n') {
      last_break = i;
      ++line;
    }
  }
  return InvalidArgument(std::to_string(line) + ":" + std::to_string(pos - last_break) +
                         ": parse error: " + e.message);
}

}  // namespace

Result<ExprPtr> ParseExpr(std::string_view query) {
  try {
    Parser parser(query);
    return parser.ParseTop();
  } catch (const ParseError& e) {
    return ErrorStatus(query, e);
  }
}

Result<std::vector<LabelMatcher>> ParseMetricSelector(std::string_view selector) {
  try {
    Parser parser(selector);
    return std::move(parser.ParseSelectorOnly()->matchers);
  } catch (const ParseError& e) {
    return ErrorStatus(selector, e);
  }
}

}  // namespace hivewatch::promql
