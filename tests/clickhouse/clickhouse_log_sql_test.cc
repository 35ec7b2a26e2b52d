// The ClickHouse backend's SQL building and RowBinary encoding, without a server.
#include "collector/storage/clickhouse/clickhouse_log_sql.h"

#include <catch2/catch.hpp>

#include "collector/storage/clickhouse/clickhouse_client.h"
#include "collector/storage/clickhouse/clickhouse_words.h"

namespace hivewatch::clickhouse {

TEST_CASE("message words are the unicode61 tokens with a space around each",
          "[clickhouse][words]") {
  CHECK(MessageWords("Disk FULL on /dev/sda1, 10.0.0.1:8080") ==
        " disk full on dev sda1 10 0 0 1 8080 ");
  CHECK(MessageWords("") == " ");
  CHECK(MessageWords("-> ::") == " ");
  CHECK(MessageWords("Ünïcödé Straße") == " unicode straße ");
  CHECK(TermTokens("\"Disk\" fu") == std::vector<std::string>{"disk", "fu"});
}

TEST_CASE("terms become substring tests on the words, or on the message without words",
          "[clickhouse][sql]") {
  LogQuery query;
  query.terms = {TextTerm{"Disk full", true, false}, TextTerm{"ful", false, true},
                 TextTerm{"->", false, false}, TextTerm{"it's", false, false}};
  const std::string filters = LogFilters(query);
  CHECK(filters.find("position(words, ' disk full ') > 0") != std::string::npos);
  CHECK(filters.find("position(words, ' ful') > 0") != std::string::npos);
  CHECK(filters.find("position(message, '->') > 0") != std::string::npos);
  CHECK(filters.find("position(words, ' it s ') > 0") != std::string::npos);
}

TEST_CASE("string literals escape backslashes, quotes and NUL", "[clickhouse][sql]") {
  CHECK(Quote("a'b\\c") == "'a\\'b\\\\c'");
  CHECK(Quote(std::string_view("x\0y", 3)) == "'x\\0y'");
  CHECK(QuoteName("we`ird") == "`we\\`ird`");
}

TEST_CASE("RowBinary values round-trip, strings with LEB128 lengths", "[clickhouse][rowbinary]") {
  RowWriter w;
  const std::string long_string(300, 'x');
  w.Int64(-5);
  w.UInt64(UINT64_MAX);
  w.UInt8(7);
  w.Float64(0.1);
  w.String(long_string);
  w.String("");
  CHECK(w.data().size() == 8 + 8 + 1 + 8 + 2 + 300 + 1);
  RowReader r(w.data());
  CHECK(r.Int64() == -5);
  CHECK(r.UInt64() == UINT64_MAX);
  CHECK(r.UInt8() == 7);
  CHECK(r.Float64() == 0.1);
  CHECK(r.String() == long_string);
  CHECK(r.String().empty());
  CHECK(r.AtEnd());
  CHECK(r.ok());
  CHECK(r.Int64() == 0);
  CHECK_FALSE(r.ok());
}

}  // namespace hivewatch::clickhouse
