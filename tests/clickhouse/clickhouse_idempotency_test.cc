// Idempotency across collectors (clickhouse_storage.h): two storages on one database stand for
// two collectors; a batch retried through the other is stored once, and so is one whose first
// write died half-way or was still running when the retry came.
#include <atomic>
#include <catch2/catch.hpp>
#include <set>
#include <thread>

#include "collector/storage/clickhouse/clickhouse_client.h"
#include "collector/storage/storage.h"
#include "tests/support/clickhouse_process.h"

namespace hivewatch {
namespace {

using testing::SharedClickhouse;

constexpr int64_t kBase = 1763900000000;

std::unique_ptr<Storage> OpenOn(const std::string& database) {
  StorageOptions options;
  options.backend = "clickhouse";
  options.clickhouse.url = SharedClickhouse().url();
  options.clickhouse.database = database;
  auto storage = OpenStorage(options);
  if (!storage.ok()) FAIL("open: " << storage.status().message());
  return std::move(storage).value();
}

Batch MakeBatch(const std::string& batch_id, int lines) {
  Batch b;
  b.agent = {"web-1", "agent-web-1", "1.0.0"};
  b.batch_id = batch_id;
  for (int i = 0; i < lines; ++i) {
    LogRecord r;
    r.ts_ms = kBase + i;
    r.service = "app";
    r.message = batch_id + " line " + std::to_string(i);
    b.logs.push_back(r);
  }
  MetricSeries s;
  s.name = "up";
  s.samples = {{kBase, 1}};
  b.metrics.push_back(s);
  return b;
}

std::vector<std::string> Messages(Storage& storage) {
  LogQuery query;
  query.limit = kMaxLogLimit;
  auto page = storage.QueryLogs(query);
  if (!page.ok()) FAIL("query: " << page.status().message());
  std::vector<std::string> out;
  for (const StoredLog& log : page->logs) out.push_back(log.record.message);
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<std::string> Expected(const std::vector<Batch>& batches) {
  std::vector<std::string> out;
  for (const Batch& b : batches) {
    for (const LogRecord& r : b.logs) out.push_back(r.message);
  }
  std::sort(out.begin(), out.end());
  return out;
}

// What another collector's attempt writes, step by step, straight into the tables.
class Attempt {
 public:
  Attempt(const std::string& database, const Batch& batch, uint64_t id)
      : client_({SharedClickhouse().url(), database, "default", "", 30000, {}}),
        batch_(batch),
        id_(id) {}

  // A row of `batches` for this attempt (1 started, 2 committed).
  void Record(int state) {
    clickhouse::RowWriter w;
    w.String(batch_.agent.id);
    w.String(batch_.batch_id);
    w.UInt64(id_);
    w.UInt8(static_cast<uint8_t>(state));
    w.Int64(kBase);
    w.String(batch_.agent.host);
    w.String(batch_.agent.version);
    w.Int64(static_cast<int64_t>(batch_.logs.size()));
    w.Int64(1);
    w.Int64(0);
    REQUIRE(client_.Insert("batches", w.data()).ok());
  }
  // The batch's log rows [from, to), tagged with this attempt.
  void WriteRows(size_t from, size_t to) {
    clickhouse::RowWriter w;
    for (size_t i = from; i < to; ++i) {
      const LogRecord& r = batch_.logs[i];
      w.Int64(static_cast<int64_t>(1000 + i));
      w.Int64(r.ts_ms);
      w.String(batch_.agent.host);
      w.String(r.service);
      w.UInt8(static_cast<uint8_t>(r.level));
      w.String(r.message);
      w.String(" ");
      w.String("");
      w.UInt64(id_);
    }
    REQUIRE(client_.Insert("logs", w.data()).ok());
  }

 private:
  clickhouse::Client client_;
  const Batch& batch_;
  const uint64_t id_;
};

}  // namespace

TEST_CASE("a batch retried through another collector is a duplicate there",
          "[clickhouse][idempotency]") {
  const std::string db = testing::NewClickhouseDatabase();
  auto a = OpenOn(db);
  auto b = OpenOn(db);
  const Batch batch = MakeBatch("b1", 20);
  auto first = a->Append(batch, kBase);
  REQUIRE(first.ok());
  CHECK_FALSE(first->duplicate);
  auto retry = b->Append(batch, kBase + 1000);
  REQUIRE(retry.ok());
  CHECK(retry->duplicate);
  CHECK(Messages(*a) == Expected({batch}));
  CHECK(Messages(*b) == Expected({batch}));
  auto hosts = b->ListHosts();
  REQUIRE(hosts.ok());
  REQUIRE(hosts->size() == 1);
  CHECK((*hosts)[0].batches == 1);
  CHECK((*hosts)[0].log_lines == 20);
  CHECK((*hosts)[0].last_seen_ms == kBase);
}

TEST_CASE("the retry of a write that died half-way is stored once", "[clickhouse][idempotency]") {
  const std::string db = testing::NewClickhouseDatabase();
  auto b = OpenOn(db);
  const Batch batch = MakeBatch("b1", 20);
  // A collector that died after inserting part of the batch: started, never committed.
  Attempt dead(db, batch, 42);
  dead.Record(1);
  dead.WriteRows(0, 7);
  CHECK(Messages(*b).size() == 7);  // visible until superseded: at least once, not yet once

  auto retry = b->Append(batch, kBase + 1000);
  REQUIRE(retry.ok());
  CHECK_FALSE(retry->duplicate);
  CHECK(Messages(*b) == Expected({batch}));
  auto stats = b->Stats();
  REQUIRE(stats.ok());
  CHECK(stats->log_lines == 20);
  auto again = b->Append(batch, kBase + 2000);
  REQUIRE(again.ok());
  CHECK(again->duplicate);
}

TEST_CASE("a slow first write that commits after its retry stays hidden",
          "[clickhouse][idempotency]") {
  const std::string db = testing::NewClickhouseDatabase();
  auto b = OpenOn(db);
  const Batch batch = MakeBatch("b1", 10);
  Attempt slow(db, batch, 7);
  slow.Record(1);  // the first collector has started…
  slow.WriteRows(0, 3);
  REQUIRE(b->Append(batch, kBase).ok());  // …the agent timed out and retried through b…
  slow.WriteRows(3, 10);                  // …and the first collector finishes.
  slow.Record(2);
  CHECK(Messages(*b) == Expected({batch}));
  auto hosts = b->ListHosts();
  REQUIRE(hosts.ok());
  REQUIRE(hosts->size() == 1);
  CHECK((*hosts)[0].batches == 1);
  // Neither write is a reason to store the batch a third time.
  auto third = OpenOn(db)->Append(batch, kBase);
  REQUIRE(third.ok());
  CHECK(third->duplicate);
}

TEST_CASE("batches pushed alternately through two collectors are each stored once",
          "[clickhouse][idempotency]") {
  const std::string db = testing::NewClickhouseDatabase();
  auto a = OpenOn(db);
  auto b = OpenOn(db);
  std::vector<Batch> batches;
  for (int i = 0; i < 20; ++i) batches.push_back(MakeBatch("b" + std::to_string(i), 5));
  int duplicates = 0;
  for (size_t i = 0; i < batches.size(); ++i) {
    // Every batch goes to one collector, and every other one is retried through the other.
    Storage& first = i % 2 ? *a : *b;
    Storage& second = i % 2 ? *b : *a;
    auto r = first.Append(batches[i], kBase);
    REQUIRE(r.ok());
    CHECK_FALSE(r->duplicate);
    if (i % 2 == 0) {
      auto again = second.Append(batches[i], kBase);
      REQUIRE(again.ok());
      duplicates += again->duplicate ? 1 : 0;
    }
  }
  CHECK(duplicates == 10);
  CHECK(Messages(*a) == Expected(batches));
  // Log ids are unique across the two collectors.
  LogQuery query;
  query.limit = kMaxLogLimit;
  auto page = b->QueryLogs(query);
  REQUIRE(page.ok());
  std::set<int64_t> ids;
  for (const StoredLog& log : page->logs) ids.insert(log.id);
  CHECK(ids.size() == 100);
}

}  // namespace hivewatch

namespace hivewatch {

TEST_CASE("many small batches with the longest ids queued together are all stored",
          "[clickhouse][idempotency]") {
  const std::string db = testing::NewClickhouseDatabase();
  auto storage = OpenOn(db);
  // 400 appends waiting at once, ids of the longest kind made of quotes (which double in SQL
  // literals): one group naming them all would be over ClickHouse's max_query_size.
  constexpr int kThreads = 400;
  std::atomic<int> failures{0};
  std::atomic<bool> go{false};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      Batch b = MakeBatch(std::string(250, '\'') + std::to_string(t), 1);
      b.agent.id = std::string(128, '\'');
      while (!go) std::this_thread::yield();
      auto r = storage->Append(b, kBase);
      if (!r.ok() || r->duplicate) ++failures;
    });
  }
  go = true;
  for (std::thread& t : threads) t.join();
  CHECK(failures == 0);
  auto stats = storage->Stats();
  REQUIRE(stats.ok());
  CHECK(stats->log_lines == kThreads);
}

}  // namespace hivewatch
