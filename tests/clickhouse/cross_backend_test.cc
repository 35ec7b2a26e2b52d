// The same data pushed to both backends answers the same queries the same way: log searches
// (terms, phrases, prefixes, filters, windows, paging), histograms, the live tail, hosts,
// stats and metric reads, over the real log samples and random metrics.
#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <fstream>
#include <random>
#include <tuple>

#include "collector/storage/storage.h"
#include "tests/support/clickhouse_process.h"
#include "tests/support/temp_dir.h"

namespace hivewatch {
namespace {

constexpr int64_t kBase = 1763900000000;

struct Both {
  testing::TempDir dir;
  std::unique_ptr<Storage> sqlite;
  std::unique_ptr<Storage> clickhouse;

  Both() {
    StorageOptions s;
    s.backend = "sqlite";
    s.data_dir = dir.path() + "/data";
    s.synchronous_full = false;
    auto opened = OpenStorage(s);
    if (!opened.ok()) FAIL(opened.status().message());
    sqlite = std::move(opened).value();
    StorageOptions c;
    c.backend = "clickhouse";
    c.clickhouse.url = testing::SharedClickhouse().url();
    c.clickhouse.database = testing::NewClickhouseDatabase();
    opened = OpenStorage(c);
    if (!opened.ok()) FAIL(opened.status().message());
    clickhouse = std::move(opened).value();
  }
  void Append(const Batch& batch, int64_t received_ms) {
    for (Storage* s : {sqlite.get(), clickhouse.get()}) {
      auto r = s->Append(batch, received_ms);
      if (!r.ok()) FAIL("append: " << r.status().message());
    }
  }
};

// A record as both backends must agree on it (ids differ between backends, their order not).
using Row = std::tuple<int64_t, std::string, std::string, int, std::string, Labels>;

std::vector<Row> Rows(const std::vector<StoredLog>& logs) {
  std::vector<Row> out;
  for (const StoredLog& l : logs) {
    out.emplace_back(l.record.ts_ms, l.host, l.record.service, static_cast<int>(l.record.level),
                     l.record.message, l.record.fields);
  }
  return out;
}

std::vector<Row> All(Storage& storage, LogQuery query) {
  std::vector<StoredLog> all;
  for (int pages = 0; pages < 10000; ++pages) {
    auto page = storage.QueryLogs(query);
    if (!page.ok()) FAIL("query: " << page.status().message());
    all.insert(all.end(), page->logs.begin(), page->logs.end());
    if (!page->next) break;
    auto cursor = DecodeLogCursor(*page->next);
    REQUIRE(cursor.ok());
    query.after = *cursor;
  }
  return Rows(all);
}

std::vector<std::tuple<int64_t, int, int64_t>> Counts(Storage& storage, const LogQuery& query,
                                                      int64_t step) {
  auto counts = storage.CountLogs(query, step);
  if (!counts.ok()) FAIL("count: " << counts.status().message());
  std::vector<std::tuple<int64_t, int, int64_t>> out;
  for (const LogCount& c : *counts) out.emplace_back(c.bucket, static_cast<int>(c.level), c.count);
  return out;
}

// Reads the whole tail from the start, `limit` at a time.
std::vector<Row> Tail(Storage& storage, const LogQuery& filter, int limit) {
  std::vector<StoredLog> all;
  int64_t position = 0;
  for (int reads = 0; reads < 10000; ++reads) {
    auto tail = storage.TailLogs(filter, position, limit);
    if (!tail.ok()) FAIL("tail: " << tail.status().message());
    all.insert(all.end(), tail->logs.begin(), tail->logs.end());
    if (tail->logs.size() < static_cast<size_t>(limit)) break;
    position = tail->last_id;
  }
  return Rows(all);
}

}  // namespace

TEST_CASE("both backends answer the same log queries over the real samples the same way",
          "[clickhouse][cross]") {
  Both both;
  std::vector<std::string> services = {"HDFS_2k", "Hadoop_2k", "Linux_2k", "OpenSSH_2k"};
  std::mt19937 rng(11);
  int batch = 0;
  for (const std::string& name : services) {
    std::ifstream in(std::string(HIVEWATCH_SHARED_LOGS) + "/" + name + ".log");
    REQUIRE(in.good());
    std::vector<LogRecord> records;
    std::string text;
    int i = 0;
    while (std::getline(in, text)) {
      if (!text.empty() && text.back() == '\r') text.pop_back();
      LogRecord r;
      // Timestamps roughly in order with ties and late lines, levels and fields varied.
      r.ts_ms = kBase + (i++ / 3) * 100 - static_cast<int64_t>(rng() % 2000);
      r.service = name;
      r.level = static_cast<Level>(rng() % kLevelCount);
      r.message = text;
      if (rng() % 4 == 0) r.fields = {{"k", std::to_string(rng() % 5)}};
      records.push_back(std::move(r));
      if (records.size() == 400) {
        Batch b;
        b.agent = {rng() % 2 ? "web-1" : "db-1", "agent", "1.0"};
        b.batch_id = "b" + std::to_string(batch++);
        b.logs = std::move(records);
        records.clear();
        both.Append(b, kBase + batch);
      }
    }
    if (!records.empty()) {
      Batch b;
      b.agent = {"web-1", "agent", "1.0"};
      b.batch_id = "b" + std::to_string(batch++);
      b.logs = std::move(records);
      both.Append(b, kBase + batch);
    }
  }

  const std::vector<std::string> qs = {"",
                                       "failure",
                                       "\"authentication failure\"",
                                       "recei*",
                                       "10.251.*",
                                       "rhost=218.188.2.4",
                                       "\"Invalid user\" from",
                                       "PacketResponder 1",
                                       "blk_*",
                                       "INFO session",
                                       "\"for invalid\"*",
                                       "->",
                                       "sshd(pam_unix)",
                                       "nothingmatches"};
  int compared = 0;
  for (const std::string& q : qs) {
    for (int variant = 0; variant < 4; ++variant) {
      auto terms = ParseTextQuery(q);
      REQUIRE(terms.ok());
      LogQuery query;
      query.terms = *terms;
      query.limit = variant == 0 ? kMaxLogLimit : 97;
      if (variant == 1) query.hosts = {"db-1"};
      if (variant == 2) {
        query.services = {"OpenSSH_2k", "Linux_2k"};
        query.levels = {Level::kInfo, Level::kError, Level::kCritical};
      }
      if (variant == 3) {
        query.start_ms = kBase + 10000;
        query.end_ms = kBase + 40000;
      }
      INFO("q=" << q << " variant " << variant);
      const auto want = All(*both.sqlite, query);
      CHECK(All(*both.clickhouse, query) == want);
      compared += static_cast<int>(want.size());
      query.start_ms = kBase - 5000;
      query.end_ms = kBase + 70000;
      CHECK(Counts(*both.clickhouse, query, 5000) == Counts(*both.sqlite, query, 5000));
    }
  }
  CHECK(compared > 10000);  // the comparisons were not of empty answers

  LogQuery filter;
  filter.services = {"OpenSSH_2k"};
  filter.terms = *ParseTextQuery("invalid");
  CHECK(Tail(*both.clickhouse, filter, 50) == Tail(*both.sqlite, filter, 50));
  CHECK(Tail(*both.clickhouse, LogQuery{}, 1000).size() ==
        Tail(*both.sqlite, LogQuery{}, 1000).size());

  auto hs = both.sqlite->ListHosts();
  auto hc = both.clickhouse->ListHosts();
  REQUIRE(hs.ok());
  REQUIRE(hc.ok());
  REQUIRE(hs->size() == hc->size());
  for (size_t i = 0; i < hs->size(); ++i) {
    const HostInfo& s = (*hs)[i];
    const HostInfo& c = (*hc)[i];
    CHECK(std::tie(s.host, s.agent_id, s.agent_version, s.first_seen_ms, s.last_seen_ms, s.batches,
                   s.log_lines, s.samples) == std::tie(c.host, c.agent_id, c.agent_version,
                                                       c.first_seen_ms, c.last_seen_ms, c.batches,
                                                       c.log_lines, c.samples));
  }
  auto ss = both.sqlite->Stats();
  auto sc = both.clickhouse->Stats();
  REQUIRE(ss.ok());
  REQUIRE(sc.ok());
  CHECK(sc->log_lines == ss->log_lines);
  CHECK(sc->hosts == ss->hosts);
}

TEST_CASE("both backends answer the same metric reads the same way", "[clickhouse][cross]") {
  Both both;
  std::mt19937 rng(5);
  const std::vector<std::string> names = {"cpu", "mem", "disk_io"};
  const std::vector<std::string> values = {"", "a", "b", "ab"};
  for (int b = 0; b < 25; ++b) {
    Batch batch;
    batch.agent = {"h" + std::to_string(rng() % 3), "agent", "1.0"};
    batch.batch_id = "m" + std::to_string(b);
    for (int m = 0; m < 6; ++m) {
      MetricSeries s;
      s.name = names[rng() % names.size()];
      // One type per name, as agents push them (the backends differ on a series whose type
      // changes: see ClickhouseStorage::SelectSeries).
      s.type = s.name == "cpu" ? MetricType::kCounter : MetricType::kGauge;
      for (const char* key : {"x", "y"}) {
        const std::string v = values[rng() % values.size()];
        if (!v.empty()) s.labels[key] = v;
      }
      for (int i = 0; i < 5; ++i) {
        // Repeated points across batches replace each other; odd values exercise exactness.
        const int64_t ts = kBase + static_cast<int64_t>(rng() % 60) * 1000;
        double value = std::ldexp(static_cast<double>(rng()), -static_cast<int>(rng() % 60));
        if (rng() % 50 == 0) value = 5e-324;
        s.samples.push_back({ts, value});
      }
      std::sort(s.samples.begin(), s.samples.end(),
                [](const Sample& l, const Sample& r) { return l.ts_ms < r.ts_ms; });
      s.samples.erase(
          std::unique(s.samples.begin(), s.samples.end(),
                      [](const Sample& l, const Sample& r) { return l.ts_ms == r.ts_ms; }),
          s.samples.end());
      batch.metrics.push_back(std::move(s));
    }
    both.Append(batch, kBase);
  }
  using Op = LabelMatcher::Op;
  const std::vector<std::vector<LabelMatcher>> selections = {
      {},
      {{"__name__", Op::kEq, "cpu"}},
      {{"host", Op::kEq, "h1"}, {"x", Op::kRe, "a.*"}},
      {{"__name__", Op::kNe, "mem"}, {"y", Op::kEq, ""}},
      {{"__name__", Op::kRe, "cpu|mem"}, {"x", Op::kNre, "b"}}};
  for (const auto& matchers : selections) {
    for (auto [start, end] :
         {std::pair<int64_t, int64_t>{kBase, kBase + 60000}, {kBase + 10000, kBase + 20000}}) {
      SeriesSelection sel{matchers, start, end};
      auto s = both.sqlite->SelectSeries(sel);
      auto c = both.clickhouse->SelectSeries(sel);
      REQUIRE(s.ok());
      REQUIRE(c.ok());
      REQUIRE(s->size() == c->size());
      for (size_t i = 0; i < s->size(); ++i) {
        CHECK((*s)[i].labels == (*c)[i].labels);
        CHECK((*s)[i].type == (*c)[i].type);
        REQUIRE((*s)[i].samples.size() == (*c)[i].samples.size());
        for (size_t j = 0; j < (*s)[i].samples.size(); ++j) {
          CHECK((*s)[i].samples[j].ts_ms == (*c)[i].samples[j].ts_ms);
          CHECK((*s)[i].samples[j].value == (*c)[i].samples[j].value);
        }
      }
      auto ls = both.sqlite->ListSeries(sel);
      auto lc = both.clickhouse->ListSeries(sel);
      REQUIRE(ls.ok());
      REQUIRE(lc.ok());
      CHECK(*ls == *lc);
      auto ts = both.sqlite->LatestSamples(matchers, end, end - start);
      auto tc = both.clickhouse->LatestSamples(matchers, end, end - start);
      REQUIRE(ts.ok());
      REQUIRE(tc.ok());
      REQUIRE(ts->size() == tc->size());
      for (size_t i = 0; i < ts->size(); ++i) {
        CHECK((*ts)[i].labels == (*tc)[i].labels);
        CHECK((*ts)[i].samples.at(0).ts_ms == (*tc)[i].samples.at(0).ts_ms);
        CHECK((*ts)[i].samples.at(0).value == (*tc)[i].samples.at(0).value);
      }
    }
  }
  auto ss = both.sqlite->Stats();
  auto sc = both.clickhouse->Stats();
  REQUIRE(ss.ok());
  REQUIRE(sc.ok());
  CHECK(sc->series == ss->series);
  CHECK(sc->samples == ss->samples);
}

}  // namespace hivewatch
