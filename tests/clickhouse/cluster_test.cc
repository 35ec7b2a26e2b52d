// The cluster layout (clickhouse_schema.h) on a real server: `*_local` tables and Distributed
// tables over the one-shard cluster `hivewatch_test` of the test server's config. ON CLUSTER
// needs ZooKeeper, which the tests do not run, so the test makes the tables itself as an
// operator would (the same statements without ON CLUSTER); the collector then finds them and
// creates nothing, and every read and write goes through the Distributed tables.
#include <catch2/catch.hpp>
#include <regex>

#include "collector/storage/clickhouse/clickhouse_schema.h"
#include "collector/storage/storage.h"
#include "tests/support/clickhouse_process.h"

namespace hivewatch {

TEST_CASE("with a cluster the backend reads and writes Distributed tables over local ones",
          "[clickhouse][cluster]") {
  testing::ClickhouseProcess& server = testing::SharedClickhouse();
  const std::string db = testing::NewClickhouseDatabase();
  for (const auto& statement : clickhouse::SchemaStatements(db, "hivewatch_test")) {
    server.Query(std::regex_replace(statement.sql, std::regex(" ON CLUSTER `hivewatch_test`"), ""));
  }
  StorageOptions options;
  options.backend = "clickhouse";
  options.clickhouse.url = server.url();
  options.clickhouse.database = db;
  options.clickhouse.cluster = "hivewatch_test";
  auto opened = OpenStorage(options);
  if (!opened.ok()) FAIL("open: " << opened.status().message());
  Storage& storage = **opened;

  constexpr int64_t kBase = 1763900000000;
  Batch batch;
  batch.agent = {"web-1", "agent-1", "1.0"};
  batch.batch_id = "b1";
  for (int i = 0; i < 30; ++i) {
    LogRecord r;
    r.ts_ms = kBase + i;
    r.service = i % 2 ? "nginx" : "sshd";
    r.message = i % 3 ? "Accepted password for root" : "disk full on sda";
    batch.logs.push_back(r);
  }
  MetricSeries up;
  up.name = "up";
  up.samples = {{kBase, 1}, {kBase + 1000, 0.5}};
  batch.metrics.push_back(up);
  auto first = storage.Append(batch, kBase);
  REQUIRE(first.ok());
  CHECK_FALSE(first->duplicate);
  auto again = storage.Append(batch, kBase);
  REQUIRE(again.ok());
  CHECK(again->duplicate);

  // The rows are in the shard's local table, and every query answers through Distributed.
  CHECK(server.Query("SELECT count() FROM " + db + ".logs_local") == "30\n");
  LogQuery query;
  query.terms = *ParseTextQuery("\"disk full\"");
  query.limit = 4;
  auto page = storage.QueryLogs(query);
  REQUIRE(page.ok());
  CHECK(page->logs.size() == 4);
  CHECK(page->next.has_value());
  LogQuery filter;
  filter.services = {"nginx"};
  auto tail = storage.TailLogs(filter, 0, 100);
  REQUIRE(tail.ok());
  CHECK(tail->logs.size() == 15);
  filter.start_ms = kBase;
  filter.end_ms = kBase + 30;
  auto counts = storage.CountLogs(filter, 10);
  REQUIRE(counts.ok());
  CHECK(counts->size() == 3);
  auto hosts = storage.ListHosts();
  REQUIRE(hosts.ok());
  REQUIRE(hosts->size() == 1);
  CHECK((*hosts)[0].log_lines == 30);
  auto series =
      storage.SelectSeries({{{"__name__", LabelMatcher::Op::kEq, "up"}}, kBase, kBase + 1000});
  REQUIRE(series.ok());
  REQUIRE(series->size() == 1);
  CHECK((*series)[0].samples.size() == 2);
  auto stats = storage.Stats();
  REQUIRE(stats.ok());
  CHECK(stats->log_lines == 30);
}

}  // namespace hivewatch
