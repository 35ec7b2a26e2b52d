#include "collector/query/log_query.h"

#include <catch2/catch.hpp>

namespace hivewatch {
namespace {

std::vector<TextTerm> Parse(std::string_view q) {
  auto terms = ParseTextQuery(q);
  REQUIRE(terms.ok());
  return *terms;
}

Status ParseError(std::string_view q) {
  auto terms = ParseTextQuery(q);
  REQUIRE_FALSE(terms.ok());
  return terms.status();
}

}  // namespace

TEST_CASE("an empty or blank query has no terms", "[query]") {
  CHECK(Parse("").empty());
  CHECK(Parse("  \t\n ").empty());
  CHECK(Parse("\"\"").empty());
  CHECK(Parse("\"  \" ").empty());
}

TEST_CASE("whitespace separates plain terms", "[query]") {
  const auto terms = Parse("  disk\tfull\nsda1  ");
  REQUIRE(terms.size() == 3);
  CHECK(terms[0].text == "disk");
  CHECK(terms[1].text == "full");
  CHECK(terms[2].text == "sda1");
  for (const TextTerm& term : terms) {
    CHECK_FALSE(term.phrase);
    CHECK_FALSE(term.prefix);
  }
}

TEST_CASE("a quoted phrase is one term, kept verbatim without its quotes", "[query]") {
  const auto terms = Parse(R"(error "connection reset by peer" later)");
  REQUIRE(terms.size() == 3);
  CHECK(terms[1].text == "connection reset by peer");
  CHECK(terms[1].phrase);
  CHECK_FALSE(terms[1].prefix);
  CHECK_FALSE(terms[0].phrase);
  CHECK(terms[2].text == "later");
}

TEST_CASE("a phrase may be followed directly by another term", "[query]") {
  const auto terms = Parse(R"("a b"c)");
  REQUIRE(terms.size() == 2);
  CHECK(terms[0].text == "a b");
  CHECK(terms[0].phrase);
  CHECK(terms[1].text == "c");
}

TEST_CASE("a trailing star makes a prefix term", "[query]") {
  const auto terms = Parse("auth* \"disk fu\"* conn**");
  REQUIRE(terms.size() == 3);
  CHECK(terms[0].text == "auth");
  CHECK(terms[0].prefix);
  CHECK_FALSE(terms[0].phrase);
  CHECK(terms[1].text == "disk fu");
  CHECK(terms[1].prefix);
  CHECK(terms[1].phrase);
  CHECK(terms[2].text == "conn");
  CHECK(terms[2].prefix);
}

TEST_CASE("search syntax characters inside a plain term are kept literally", "[query]") {
  const auto terms = Parse(R"(say"hi" a*b (x) -y host:port AND)");
  REQUIRE(terms.size() == 6);
  CHECK(terms[0].text == "say\"hi\"");
  CHECK(terms[1].text == "a*b");
  CHECK_FALSE(terms[1].prefix);
  CHECK(terms[2].text == "(x)");
  CHECK(terms[3].text == "-y");
  CHECK(terms[4].text == "host:port");
  CHECK(terms[5].text == "AND");
  for (const TextTerm& term : terms) CHECK_FALSE(term.phrase);
}

TEST_CASE("an unterminated quote is an error naming its position", "[query]") {
  const Status status = ParseError(R"(disk "full now)");
  CHECK(status.code() == StatusCode::kInvalidArgument);
  CHECK(status.message() == "q: unterminated quote at position 6");
  CHECK(ParseError("\"").message() == "q: unterminated quote at position 1");
}

TEST_CASE("a star without a prefix is an error naming its position", "[query]") {
  CHECK(ParseError("*").message() == "q: empty prefix '*' at position 1");
  CHECK(ParseError("disk **").message() == "q: empty prefix '*' at position 6");
  CHECK(ParseError("x \"\"*").code() == StatusCode::kInvalidArgument);
}

TEST_CASE("a cursor survives encoding and decoding", "[query]") {
  for (const LogCursor cursor : {LogCursor{1763900000123, 42}, LogCursor{0, 0}, LogCursor{-5, 7},
                                 LogCursor{INT64_MAX, INT64_MAX}}) {
    const std::string text = EncodeLogCursor(cursor);
    CHECK(text.find_first_not_of("0123456789-_") == std::string::npos);  // URL-safe
    auto decoded = DecodeLogCursor(text);
    REQUIRE(decoded.ok());
    CHECK(decoded->ts_ms == cursor.ts_ms);
    CHECK(decoded->id == cursor.id);
  }
}

TEST_CASE("a malformed cursor is rejected as invalid", "[query]") {
  for (const char* text : {"", "_", "abc", "12", "12_", "_12", "1_2_3", "1-2", "1_-2", " 1_2",
                           "1_2 ", "+1_2", "1_0x10", "99999999999999999999_1"}) {
    INFO("cursor: '" << text << "'");
    auto decoded = DecodeLogCursor(text);
    REQUIRE_FALSE(decoded.ok());
    CHECK(decoded.status().code() == StatusCode::kInvalidArgument);
    CHECK(decoded.status().message() == "invalid cursor");
  }
}

}  // namespace hivewatch
