// The PromQL parser: what it accepts, the types it gives, and its error messages and positions.

#include "collector/query/promql/parser.h"

#include <catch2/catch.hpp>
#include <cmath>
#include <limits>

namespace hivewatch::promql {
namespace {

std::string ErrorOf(const std::string& query) {
  auto parsed = ParseExpr(query);
  if (parsed.ok()) return "(parsed)";
  CHECK(parsed.status().code() == StatusCode::kInvalidArgument);
  return parsed.status().message();
}

ValueType TypeOf(const std::string& query) {
  auto parsed = ParseExpr(query);
  if (!parsed.ok()) FAIL(query << ": " << parsed.status().message());
  return (*parsed)->type;
}

TEST_CASE("expressions get Prometheus's value types", "[promql]") {
  CHECK(TypeOf("1") == ValueType::kScalar);
  CHECK(TypeOf("\"text\"") == ValueType::kString);
  CHECK(TypeOf("up") == ValueType::kVector);
  CHECK(TypeOf("up[5m]") == ValueType::kMatrix);
  CHECK(TypeOf("up[5m] offset 1h") == ValueType::kMatrix);
  CHECK(TypeOf("rate(http_requests_total{code=~\"5..\"}[1m])") == ValueType::kVector);
  CHECK(TypeOf("1 - avg by (host) (rate(node_cpu_seconds_total{mode=\"idle\"}[1m]))") ==
        ValueType::kVector);
  CHECK(TypeOf("sum(x) by (a, b,)") == ValueType::kVector);
  CHECK(TypeOf("sum without (cpu) (x)") == ValueType::kVector);
  CHECK(TypeOf("topk(3, x)") == ValueType::kVector);
  CHECK(TypeOf("scalar(x) * 2") == ValueType::kScalar);
  CHECK(TypeOf("time()") == ValueType::kScalar);
  CHECK(TypeOf("1 < bool 2") == ValueType::kScalar);
  CHECK(TypeOf("a / on(host) group_left(mode) b") == ValueType::kVector);
  CHECK(TypeOf("a and ignoring(x) b or c unless d") == ValueType::kVector);
  CHECK(TypeOf("-x ^ 2") == ValueType::kVector);
  CHECK(TypeOf("{__name__=~\"node_.*\", job!=\"\"}") == ValueType::kVector);
  CHECK(TypeOf("x # a comment\n + 1") == ValueType::kVector);
  CHECK(TypeOf("node:cpu:rate5m offset -5m") == ValueType::kVector);
  CHECK(TypeOf("Inf + -NaN + 0x1F + 1.5e3 + .5") == ValueType::kScalar);
}

TEST_CASE("selectors carry their matchers, offset and range", "[promql]") {
  auto parsed = ParseExpr("rate(x{a=\"1\", b!=\"2\", c=~'3', d!~`4\\d`}[1h30m] offset 5m)");
  REQUIRE(parsed.ok());
  const auto& call = static_cast<const Call&>(**parsed);
  REQUIRE(call.args.size() == 1);
  const auto& ms = static_cast<const MatrixSelector&>(*call.args[0]);
  CHECK(ms.range_ms == 90 * 60 * 1000);
  CHECK(ms.selector->offset_ms == 5 * 60 * 1000);
  const auto& m = ms.selector->matchers;
  REQUIRE(m.size() == 5);
  CHECK(m[0].name == "__name__");
  CHECK(m[0].value == "x");
  CHECK(m[1].op == LabelMatcher::Op::kEq);
  CHECK(m[2].op == LabelMatcher::Op::kNe);
  CHECK(m[3].op == LabelMatcher::Op::kRe);
  CHECK(m[4].op == LabelMatcher::Op::kNre);
  CHECK(m[4].value == "4\\d");  // raw string: no escapes
}

TEST_CASE("string escapes are decoded in quoted strings", "[promql]") {
  auto parsed = ParseExpr("x{a=\"q\\\"\\n\\u00e9\\x41\"}");
  REQUIRE(parsed.ok());
  const auto& vs = static_cast<const VectorSelector&>(**parsed);
  CHECK(vs.matchers[1].value ==
        "q\"\n\xc3\xa9"
        "A");
}

TEST_CASE("parse errors give line:column and say what was unexpected", "[promql]") {
  CHECK(ErrorOf("sum(rate(x[5m])") ==
        "1:16: parse error: unexpected end of input in aggregation, expected \")\"");
  CHECK(ErrorOf("foo{bar=\"x\"") ==
        "1:12: parse error: unexpected end of input in label matching, expected \",\" or \"}\"");
  CHECK(ErrorOf("foo{bar}") ==
        "1:8: parse error: unexpected right brace \"}\" in label matching, expected one of "
        "\"=\", \"!=\", \"=~\" or \"!~\"");
  CHECK(ErrorOf("foo bar") == "1:5: parse error: unexpected identifier \"bar\"");
  CHECK(ErrorOf("1 +\n  ") == "2:3: parse error: unexpected end of input, expected an expression");
  CHECK(ErrorOf("") == "1:1: parse error: no expression found in input");
  CHECK(ErrorOf("x $ 1") == "1:3: parse error: unexpected character: '$'");
  CHECK(ErrorOf("x{a=\"b}") == "1:5: parse error: unterminated quoted string");
  CHECK(ErrorOf("x[5]") == "1:3: parse error: bad duration syntax: \"5\"");
  CHECK(ErrorOf("x[5x]") == "1:3: parse error: bad number or duration syntax: \"5x\"");
  CHECK(ErrorOf("x[1s:]") == "1:2: parse error: subqueries are not supported by hivewatch");
  CHECK(ErrorOf("x @ 100") == "1:3: parse error: the @ modifier is not supported by hivewatch");
}

TEST_CASE("unsupported and unknown functions are named", "[promql]") {
  CHECK(ErrorOf("holt_winters(x[5m], 0.5, 0.5)") ==
        "1:1: parse error: function \"holt_winters\" is not supported by hivewatch");
  CHECK(ErrorOf("sum(histogram_quantile(0.9, x))") ==
        "1:5: parse error: function \"histogram_quantile\" is not supported by hivewatch");
  CHECK(ErrorOf("count_values(\"v\", x)") ==
        "1:1: parse error: aggregation \"count_values\" is not supported by hivewatch");
  CHECK(ErrorOf("nope(x)") == "1:1: parse error: unknown function with name \"nope\"");
  CHECK(ErrorOf("x atan2 y") ==
        "1:3: parse error: operator \"atan2\" is not supported by hivewatch");
}

TEST_CASE("types are checked where Prometheus checks them", "[promql]") {
  CHECK(ErrorOf("rate(x)") ==
        "1:6: parse error: expected type range vector in call to function \"rate\", got instant "
        "vector");
  CHECK(ErrorOf("abs(x[1m])") ==
        "1:5: parse error: expected type instant vector in call to function \"abs\", got range "
        "vector");
  CHECK(ErrorOf("rate(x[1m], 2)") ==
        "1:1: parse error: expected 1 argument(s) in call to \"rate\", got 2");
  CHECK(ErrorOf("round()") ==
        "1:1: parse error: expected at least 1 argument(s) in call to \"round\", got 0");
  CHECK(ErrorOf("sum(x[1m])") ==
        "1:5: parse error: expected type instant vector in aggregation expression, got range "
        "vector");
  CHECK(ErrorOf("topk(x, y)") ==
        "1:6: parse error: expected type scalar in aggregation parameter, got instant vector");
  CHECK(ErrorOf("1 > 2") == "1:3: parse error: comparisons between scalars must use BOOL modifier");
  CHECK(ErrorOf("x + bool y") ==
        "1:5: parse error: bool modifier can only be used on comparison operators");
  CHECK(ErrorOf("x[1m] + 1") ==
        "1:1: parse error: binary expression must contain only scalar and instant vector types");
  CHECK(ErrorOf("1 and x") ==
        "1:3: parse error: set operator \"and\" not allowed in binary scalar expression");
  CHECK(ErrorOf("1 + on(a) x") ==
        "1:3: parse error: vector matching only allowed between instant vectors");
  CHECK(ErrorOf("-x[1m]") ==
        "1:1: parse error: unary expression only allowed on expressions of type scalar or "
        "instant vector");
  CHECK(ErrorOf("(x)[1m]") == "1:4: parse error: ranges only allowed for vector selectors");
  CHECK(ErrorOf("{}") ==
        "1:1: parse error: vector selector must contain at least one non-empty "
        "matcher");
  CHECK(ErrorOf("{a=~\".*\"}") ==
        "1:1: parse error: vector selector must contain at least one "
        "non-empty matcher");
  CHECK(ErrorOf("x{__name__=\"y\"}") ==
        "1:3: parse error: metric name must not be set twice: \"x\" or \"y\"");
  CHECK(ErrorOf("x{a=~\"(\"}").rfind("1:6: parse error: invalid regular expression \"(\"", 0) == 0);
  CHECK(ErrorOf("x offset 1m offset 2m") ==
        "1:13: parse error: offset may not be set multiple times");
  CHECK(ErrorOf("sum(x) offset 1m") ==
        "1:8: parse error: offset modifier must be preceded by an instant vector selector or "
        "range vector selector");
}

TEST_CASE("a series selector parses alone for match[]", "[promql]") {
  auto m = ParseMetricSelector("up{job=~\"a|b\"}");
  REQUIRE(m.ok());
  REQUIRE(m->size() == 2);
  CHECK((*m)[0].name == "__name__");
  CHECK((*m)[1].value == "a|b");
  CHECK(ParseMetricSelector("{host=\"h\"}").ok());
  CHECK_FALSE(ParseMetricSelector("rate(x[5m])").ok());
  CHECK_FALSE(ParseMetricSelector("up + 1").ok());
}

TEST_CASE("durations use Prometheus's syntax", "[promql]") {
  CHECK(*ParsePromDurationMs("5m") == 300000);
  CHECK(*ParsePromDurationMs("1h30m") == 5400000);
  CHECK(*ParsePromDurationMs("500ms") == 500);
  CHECK(*ParsePromDurationMs("1y2w3d") == (365 + 14 + 3) * 86400000LL);
  CHECK(*ParsePromDurationMs("0") == 0);
  CHECK_FALSE(ParsePromDurationMs("").ok());
  CHECK_FALSE(ParsePromDurationMs("5").ok());
  CHECK_FALSE(ParsePromDurationMs("1m1h").ok());
  CHECK_FALSE(ParsePromDurationMs("1.5h").ok());
  CHECK_FALSE(ParsePromDurationMs("5M").ok());
}

TEST_CASE("values print like Go's FormatFloat(v, 'f', -1, 64)", "[promql]") {
  CHECK(FormatValue(0.1) == "0.1");
  CHECK(FormatValue(1e6) == "1000000");
  CHECK(FormatValue(-2.5) == "-2.5");
  CHECK(FormatValue(1e-7) == "0.0000001");
  CHECK(FormatValue(1.0 / 3) == "0.3333333333333333");
  CHECK(FormatValue(std::numeric_limits<double>::quiet_NaN()) == "NaN");
  CHECK(FormatValue(std::numeric_limits<double>::infinity()) == "+Inf");
  CHECK(FormatValue(-std::numeric_limits<double>::infinity()) == "-Inf");
}

TEST_CASE("hostile nesting is refused before it can overflow the stack", "[promql][parser]") {
  // Found by fuzz/targets/promql_fuzz.cc: each of these crashed the parser (stack overflow).
  CHECK_THAT(ErrorOf(std::string(20000, '(') + "1" + std::string(20000, ')')),
             Catch::Contains("parse error: expression nested deeper than 200 levels"));
  CHECK_THAT(ErrorOf(std::string(100000, '-') + "1"),
             Catch::Contains("expression nested deeper than 200 levels"));
  CHECK_THAT(ErrorOf("x{a=~\"" + std::string(100, '(') + std::string(100, ')') + "\"}"),
             Catch::Contains("groups nested deeper than 32 levels"));
  const std::string long_regex = ErrorOf("x{a=~\"" + std::string(5000, 'a') + "\"}");
  CHECK_THAT(long_regex, Catch::Contains("longer than 4096 bytes"));
  CHECK(long_regex.size() < 300);  // the message quotes only the pattern's start
  // Nesting that real queries use still parses.
  CHECK(ParseExpr(std::string(50, '(') + "x" + std::string(50, ')')).ok());
  CHECK(ParseExpr("- - - 1").ok());
  CHECK(ParseExpr("x{a=~\"((a|b)(c|d))+\"}").ok());
}

TEST_CASE("regular expressions that backtrack exponentially are refused", "[promql][parser]") {
  // The fuzzer's timeout: `.******` took minutes to match even the empty string.
  CHECK_THAT(ErrorOf("x{a=~\".******\"}"), Catch::Contains("two repetition operators in a row"));
  CHECK_THAT(ErrorOf("x{a=~\"a+{2}\"}"), Catch::Contains("two repetition operators in a row"));
  CHECK_THAT(ErrorOf("x{a=~\"(a*)*\"}"), Catch::Contains("nested repetition"));
  CHECK_THAT(ErrorOf("x{a=~\"(x|(b+))+c\"}"), Catch::Contains("nested repetition"));
  // Lazy quantifiers, optional groups, classes and escapes are fine.
  for (const char* ok : {"x{a=~\".*?foo.+?\"}", "x{a=~\"(web.*)?\"}", "x{a=~\"[*+]+\"}",
                         "x{a=~\"\\\\(a*\\\\)*\"}", "x{a=~\"(a|b)*c\"}", "x{a=~\"a{2,3}b*\"}"}) {
    INFO(ok);
    CHECK(ParseExpr(ok).ok());
  }
}

}  // namespace
}  // namespace hivewatch::promql
