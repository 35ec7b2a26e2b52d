// Series selectors (/federate's match[]): parsing, errors with positions, and what the parsed
// matchers select.
#include "collector/query/series_selector.h"

#include <catch2/catch.hpp>

#include "collector/storage/label_match.h"

using namespace hivewatch;

namespace {

using Op = LabelMatcher::Op;

std::vector<LabelMatcher> Parse(std::string_view text) {
  Result<std::vector<LabelMatcher>> r = ParseSeriesSelector(text);
  INFO(text << ": " << r.status().message());
  REQUIRE(r.ok());
  return *r;
}

std::string ParseError(std::string_view text) {
  Result<std::vector<LabelMatcher>> r = ParseSeriesSelector(text);
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == StatusCode::kInvalidArgument);
  return r.status().message();
}

bool Same(const std::vector<LabelMatcher>& a, const std::vector<LabelMatcher>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i].name != b[i].name || a[i].op != b[i].op || a[i].value != b[i].value) return false;
  }
  return true;
}

bool Matches(std::string_view selector, const Labels& labels) {
  Result<CompiledMatchers> m = CompiledMatchers::Compile(Parse(selector));
  REQUIRE(m.ok());
  return m->Matches(labels);
}

}  // namespace

TEST_CASE("a metric name alone selects by __name__", "[selector]") {
  CHECK(Same(Parse("node_load1"), {{"__name__", Op::kEq, "node_load1"}}));
  CHECK(Same(Parse("  job:rate5m:sum  "), {{"__name__", Op::kEq, "job:rate5m:sum"}}));
  CHECK(Same(Parse("up{}"), {{"__name__", Op::kEq, "up"}}));
}

TEST_CASE("selectors take the four matcher operators, spaces and a trailing comma", "[selector]") {
  CHECK(Same(Parse(R"(node_cpu_seconds_total{mode="idle", cpu != "0",host=~"web.*" ,x!~'a|b',})"),
             {{"__name__", Op::kEq, "node_cpu_seconds_total"},
              {"mode", Op::kEq, "idle"},
              {"cpu", Op::kNe, "0"},
              {"host", Op::kRe, "web.*"},
              {"x", Op::kNre, "a|b"}}));
  CHECK(Same(Parse(R"({__name__=~"node_.+"})"), {{"__name__", Op::kRe, "node_.+"}}));
}

TEST_CASE("quoted values take Go's escapes; backquoted values are raw", "[selector]") {
  CHECK(Parse(R"({a="say \"hi\"\n\t\\"})")[0].value == "say \"hi\"\n\t\\");
  CHECK(Parse(R"({a='it\'s'})")[0].value == "it's");
  CHECK(Parse(R"({a="\x41\101\u00e9\U0001F600"})")[0].value == "AA\xc3\xa9\xf0\x9f\x98\x80");
  CHECK(Parse(R"({a=`C:\dir\n`})")[0].value == R"(C:\dir\n)");
}

TEST_CASE("selector errors say what was wrong and where", "[selector]") {
  CHECK_THAT(ParseError(""), Catch::Contains("expected a metric name or '{' at position 0"));
  CHECK_THAT(ParseError("up{job=}"), Catch::Contains("expected a quoted string at position 7"));
  CHECK_THAT(ParseError(R"(up{job="x")"), Catch::Contains("expected ',' or '}' at position 10"));
  CHECK_THAT(ParseError(R"(up{job="x)"), Catch::Contains("unterminated string at position 7"));
  CHECK_THAT(ParseError(R"(up{job<"x"})"),
             Catch::Contains("expected one of = != =~ !~ after label 'job' at position 6"));
  CHECK_THAT(ParseError(R"(up{1job="x"})"), Catch::Contains("expected a label name at position 3"));
  CHECK_THAT(ParseError(R"(up{a="x"} extra)"), Catch::Contains("unexpected 'e' at position 10"));
  CHECK_THAT(ParseError(R"(up{a="\q"})"), Catch::Contains("unknown escape '\\q' at position 6"));
  CHECK_THAT(ParseError(R"(up{a="\'"})"), Catch::Contains("unknown escape"));
  CHECK_THAT(ParseError(R"(up{__name__="down"})"),
             Catch::Contains("metric name must not be set twice"));
  CHECK_THAT(ParseError(R"({a=~"("})"), Catch::Contains("invalid regular expression in a=~\"(\""));
  CHECK_THAT(ParseError(R"(up{a="\u12"})"), Catch::Contains("\\u needs 4 hex digits"));
}

TEST_CASE("a selector must have a matcher that does not match the empty string", "[selector]") {
  for (const char* s : {R"({a=""})", R"({a!="x"})", R"({a=~".*"})", R"({a!~"x",b=""})"}) {
    INFO(s);
    CHECK_THAT(ParseError(s), Catch::Contains("at least one matcher that does not match the "
                                              "empty string"));
  }
  CHECK(Parse(R"({a=~".+"})").size() == 1);
  CHECK(Parse(R"({a!="x",b="y"})").size() == 2);
}

TEST_CASE("matching: regexes are anchored and an absent label is empty", "[selector]") {
  const Labels labels = {{"__name__", "node_load1"}, {"host", "web1"}};
  CHECK(Matches("node_load1", labels));
  CHECK_FALSE(Matches("node_load", labels));
  CHECK(Matches(R"({__name__=~"node_.*"})", labels));
  CHECK_FALSE(Matches(R"({__name__=~"load"})", labels));  // anchored: not a substring search
  CHECK(Matches(R"({host=~"web1|db1"})", labels));
  CHECK(Matches(R"(node_load1{host!~"db.*"})", labels));
  CHECK_FALSE(Matches(R"(node_load1{host!="web1"})", labels));
  CHECK(Matches(R"(node_load1{cpu=""})", labels));  // absent = ""
  CHECK(Matches(R"(node_load1{cpu!="0"})", labels));
  CHECK_FALSE(Matches(R"(node_load1{cpu=~".+"})", labels));
}
