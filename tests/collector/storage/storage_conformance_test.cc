// The storage conformance suite: the behaviour every Storage backend must show. Each test is a
// TEMPLATE_TEST_CASE over backend types; a backend type prepares an empty store when it is
// constructed and opens it with Open() (again and again: a reopened store must hold the same
// data). To run the suite against another backend, add its type to HW_STORAGE_BACKENDS.
// Backend-specific tests follow the suite at the end of this file.

#include <sqlite3.h>
#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <future>
#include <map>
#include <mutex>
#include <optional>
#include <random>
#include <regex>
#include <set>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include <catch2/catch.hpp>

#include "collector/storage/sqlite/sqlite_storage.h"
#include "collector/storage/storage.h"
#include "tests/support/temp_dir.h"
#ifdef HIVEWATCH_CLICKHOUSE_TESTS
#include "tests/support/clickhouse_process.h"
#endif

namespace hivewatch {
using hivewatch::testing::TempDir;

namespace {

namespace fs = std::filesystem;

// ---- Backends -------------------------------------------------------------------------------

struct SqliteBackend {
  TempDir dir;
  Result<std::unique_ptr<Storage>> Open() const {
    StorageOptions options;
    options.backend = "sqlite";
    options.data_dir = dir.path() + "/data";
    options.synchronous_full = false;  // durability against power loss is not under test
    return OpenStorage(options);
  }
};

#ifdef HIVEWATCH_CLICKHOUSE_TESTS
// The same suite on a real clickhouse-server (tests/clickhouse, CTest label `clickhouse`): one
// server per test process, a database of its own per test.
struct ClickhouseBackend {
  std::string database = testing::NewClickhouseDatabase();
  Result<std::unique_ptr<Storage>> Open() const {
    StorageOptions options;
    options.backend = "clickhouse";
    options.clickhouse.url = testing::SharedClickhouse().url();
    options.clickhouse.database = database;
    return OpenStorage(options);
  }
};
#define HW_STORAGE_BACKENDS ClickhouseBackend
#else
#define HW_STORAGE_BACKENDS SqliteBackend
#endif

// ---- Helpers --------------------------------------------------------------------------------

template <typename Backend>
class StorageTest {
 public:
  StorageTest() { Open(); }
  Storage& storage() { return *storage_; }
  void Reopen() {
    storage_.reset();
    Open();
  }

 private:
  void Open() {
    auto storage = backend_.Open();
    if (!storage.ok()) FAIL("opening the storage: " << storage.status().message());
    storage_ = std::move(*storage);
  }

  Backend backend_;
  std::unique_ptr<Storage> storage_;
};

constexpr int64_t kBase = 1763900000000;  // 2025-11-23T12:13:20Z

LogRecord Log(int64_t ts, std::string message, std::string service = "app",
              Level level = Level::kInfo, Labels fields = {}) {
  LogRecord record;
  record.ts_ms = ts;
  record.service = std::move(service);
  record.level = level;
  record.message = std::move(message);
  record.fields = std::move(fields);
  return record;
}

Batch MakeBatch(const std::string& host, const std::string& batch_id,
                std::vector<LogRecord> logs = {}, std::vector<MetricSeries> metrics = {}) {
  Batch batch;
  batch.agent.host = host;
  batch.agent.id = "agent-" + host;
  batch.agent.version = "1.0.0";
  batch.batch_id = batch_id;
  batch.logs = std::move(logs);
  batch.metrics = std::move(metrics);
  return batch;
}

void AppendNew(Storage& storage, const Batch& batch, int64_t received_ms = kBase) {
  auto result = storage.Append(batch, received_ms);
  if (!result.ok()) FAIL("append " << batch.batch_id << ": " << result.status().message());
  REQUIRE_FALSE(result->duplicate);
}

// Follows `next` through every page, checking the paging contract on the way.
std::vector<StoredLog> QueryAll(Storage& storage, LogQuery query) {
  std::vector<StoredLog> all;
  for (int pages = 0;; ++pages) {
    REQUIRE(pages < 100000);
    auto page = storage.QueryLogs(query);
    if (!page.ok()) FAIL("query: " << page.status().message());
    REQUIRE(page->logs.size() <= static_cast<size_t>(query.limit));
    all.insert(all.end(), page->logs.begin(), page->logs.end());
    if (!page->next) break;
    REQUIRE(page->logs.size() == static_cast<size_t>(query.limit));
    auto cursor = DecodeLogCursor(*page->next);
    REQUIRE(cursor.ok());
    query.after = *cursor;
  }
  return all;
}

LogQuery TextQuery(std::string_view q, int limit = kMaxLogLimit) {
  auto terms = ParseTextQuery(q);
  REQUIRE(terms.ok());
  LogQuery query;
  query.terms = *terms;
  query.limit = limit;
  return query;
}

std::vector<std::string> Messages(const std::vector<StoredLog>& logs) {
  std::vector<std::string> messages;
  for (const StoredLog& log : logs) messages.push_back(log.record.message);
  return messages;
}

std::vector<int64_t> Ids(const std::vector<StoredLog>& logs) {
  std::vector<int64_t> ids;
  for (const StoredLog& log : logs) ids.push_back(log.id);
  return ids;
}

bool NewestFirst(const StoredLog& a, const StoredLog& b) {
  if (a.record.ts_ms != b.record.ts_ms) return a.record.ts_ms > b.record.ts_ms;
  return a.id > b.id;
}

// A plain model of full-text matching, for checking the storage's answers: a message's words
// are its maximal runs of ASCII letters and digits (and non-ASCII bytes), compared
// case-insensitively. A term matches when its words occur adjacent and in order (the last one
// as a prefix for a prefix term); a term without words matches as a literal substring.
std::vector<std::string> Words(std::string_view text) {
  std::vector<std::string> words;
  std::string word;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c >= 0x80) {
      word += static_cast<char>(std::tolower(c));
    } else if (!word.empty()) {
      words.push_back(std::move(word));
      word.clear();
    }
  }
  if (!word.empty()) words.push_back(std::move(word));
  return words;
}

bool ModelMatches(const std::vector<std::string>& message_words, const std::string& message,
                  const TextTerm& term) {
  const std::vector<std::string> want = Words(term.text);
  if (want.empty()) return message.find(term.text) != std::string::npos;
  for (size_t start = 0; start + want.size() <= message_words.size(); ++start) {
    bool all = true;
    for (size_t i = 0; i < want.size() && all; ++i) {
      const std::string& word = message_words[start + i];
      all = (term.prefix && i + 1 == want.size()) ? word.compare(0, want[i].size(), want[i]) == 0
                                                  : word == want[i];
    }
    if (all) return true;
  }
  return false;
}

template <typename T>
bool AnyOf(const std::vector<T>& list, const T& value) {
  return list.empty() || std::find(list.begin(), list.end(), value) != list.end();
}

// What `query` must return from `all` (every stored record), per the LogQuery contract.
std::vector<StoredLog> ModelQuery(std::vector<StoredLog> all, const LogQuery& query) {
  std::vector<StoredLog> out;
  for (StoredLog& log : all) {
    const LogRecord& r = log.record;
    if (r.ts_ms < query.start_ms || r.ts_ms >= query.end_ms) continue;
    if (!AnyOf(query.hosts, log.host) || !AnyOf(query.services, r.service) ||
        !AnyOf(query.levels, r.level)) {
      continue;
    }
    const std::vector<std::string> words = Words(r.message);
    bool match = true;
    for (const TextTerm& term : query.terms) match = match && ModelMatches(words, r.message, term);
    if (match) out.push_back(std::move(log));
  }
  std::sort(out.begin(), out.end(), NewestFirst);
  return out;
}

// Runs `f(i)` on `n` threads released together; no sleeps.
template <typename F>
void RunConcurrently(int n, F f) {
  std::promise<void> start;
  std::shared_future<void> started = start.get_future().share();
  std::vector<std::thread> threads;
  for (int i = 0; i < n; ++i) {
    threads.emplace_back([&, i] {
      started.wait();
      f(i);
    });
  }
  start.set_value();
  for (std::thread& t : threads) t.join();
}

}  // namespace

// ---- The suite ------------------------------------------------------------------------------

TEMPLATE_TEST_CASE("appended logs come back with their host, record and fields", "[storage]",
                   HW_STORAGE_BACKENDS) {
  StorageTest<TestType> t;
  AppendNew(t.storage(),
            MakeBatch("web-1", "b1",
                      {Log(kBase + 1, "GET /index.html 200", "nginx", Level::kNotice,
                           {{"path", "/index.html"}, {"status", "200"}}),
                       Log(kBase + 2, "disk almost full", "kernel", Level::kWarning)}));

  const auto logs = QueryAll(t.storage(), LogQuery{});
  REQUIRE(logs.size() == 2);
  const StoredLog& kernel = logs[0];
  const StoredLog& nginx = logs[1];
  CHECK(kernel.host == "web-1");
  CHECK(kernel.record.ts_ms == kBase + 2);
  CHECK(kernel.record.service == "kernel");
  CHECK(kernel.record.level == Level::kWarning);
  CHECK(kernel.record.message == "disk almost full");
  CHECK(kernel.record.fields.empty());
  CHECK(nginx.host == "web-1");
  CHECK(nginx.record.service == "nginx");
  CHECK(nginx.record.level == Level::kNotice);
  CHECK(nginx.record.message == "GET /index.html 200");
  CHECK(nginx.record.fields == Labels{{"path", "/index.html"}, {"status", "200"}});
  CHECK(nginx.id < kernel.id);
}

TEMPLATE_TEST_CASE("records of a batch keep their order", "[storage]", HW_STORAGE_BACKENDS) {
  StorageTest<TestType> t;
  std::vector<LogRecord> records;
  for (int i = 0; i < 50; ++i) {
    // Same timestamp for all, so only the arrival order (the ids) can order them.
    records.push_back(Log(kBase, "line " + std::to_string(i)));
  }
  AppendNew(t.storage(), MakeBatch("h", "b1", records));

  auto logs = QueryAll(t.storage(), LogQuery{});
  REQUIRE(logs.size() == 50);
  std::sort(logs.begin(), logs.end(),
            [](const StoredLog& a, const StoredLog& b) { return a.id < b.id; });
  for (int i = 0; i < 50; ++i) CHECK(logs[i].record.message == "line " + std::to_string(i));
}

TEMPLATE_TEST_CASE("logs are returned newest first, ties broken by latest arrival", "[storage]",
                   HW_STORAGE_BACKENDS) {
  StorageTest<TestType> t;
  AppendNew(t.storage(), MakeBatch("h", "b1",
                                   {Log(kBase + 20, "a"), Log(kBase + 10, "b"),
                                    Log(kBase + 30, "c"), Log(kBase + 10, "d")}));
  AppendNew(t.storage(), MakeBatch("h", "b2", {Log(kBase + 10, "e"), Log(kBase + 5, "f")}));

  const auto logs = QueryAll(t.storage(), LogQuery{});
  CHECK(Messages(logs) == std::vector<std::string>{"c", "a", "e", "d", "b", "f"});
  CHECK(std::is_sorted(logs.begin(), logs.end(), NewestFirst));
}

TEMPLATE_TEST_CASE("paging visits every record exactly once", "[storage]", HW_STORAGE_BACKENDS) {
  StorageTest<TestType> t;
  const int count = GENERATE(50, 53);
  std::vector<LogRecord> records;
  for (int i = 0; i < count; ++i) {
    records.push_back(Log(kBase + i / 4, "event " + std::to_string(i)));  // runs of equal ts
  }
  AppendNew(t.storage(), MakeBatch("h", "b1", {records.begin(), records.begin() + count / 2}));
  AppendNew(t.storage(), MakeBatch("h", "b2", {records.begin() + count / 2, records.end()}));

  LogQuery all;
  all.limit = kMaxLogLimit;
  const auto expected = QueryAll(t.storage(), all);
  REQUIRE(expected.size() == static_cast<size_t>(count));

  LogQuery paged;
  paged.limit = 10;
  const auto pages = QueryAll(t.storage(), paged);
  CHECK(Ids(pages) == Ids(expected));
  const std::vector<int64_t> ids = Ids(pages);
  CHECK(std::set<int64_t>(ids.begin(), ids.end()).size() == ids.size());

  // The last page of an exact multiple of the limit says there is nothing more.
  paged.limit = count;
  auto page = t.storage().QueryLogs(paged);
  REQUIRE(page.ok());
  CHECK(page->logs.size() == static_cast<size_t>(count));
  CHECK_FALSE(page->next.has_value());
}

TEMPLATE_TEST_CASE("host, service and level filters accept any of their values", "[storage]",
                   HW_STORAGE_BACKENDS) {
  StorageTest<TestType> t;
  AppendNew(t.storage(), MakeBatch("web-1", "b1",
                                   {Log(kBase + 1, "w1 nginx info", "nginx", Level::kInfo),
                                    Log(kBase + 2, "w1 sshd error", "sshd", Level::kError)}));
  AppendNew(t.storage(), MakeBatch("web-2", "b1",
                                   {Log(kBase + 3, "w2 nginx warning", "nginx", Level::kWarning),
                                    Log(kBase + 4, "w2 cron debug", "cron", Level::kDebug)}));
  AppendNew(t.storage(),
            MakeBatch("db-1", "b1",
                      {Log(kBase + 5, "d1 postgres critical", "postgres", Level::kCritical)}));

  LogQuery query;
  query.hosts = {"web-2", "db-1"};
  CHECK(Messages(QueryAll(t.storage(), query)) ==
        std::vector<std::string>{"d1 postgres critical", "w2 cron debug", "w2 nginx warning"});

  query = {};
  query.services = {"nginx"};
  CHECK(Messages(QueryAll(t.storage(), query)) ==
        std::vector<std::string>{"w2 nginx warning", "w1 nginx info"});

  query = {};
  query.levels = {Level::kError, Level::kCritical};
  CHECK(Messages(QueryAll(t.storage(), query)) ==
        std::vector<std::string>{"d1 postgres critical", "w1 sshd error"});

  query = {};
  query.levels = {Level::kTrace};
  CHECK(QueryAll(t.storage(), query).empty());

  query = {};
  query.hosts = {"web-1", "web-2"};
  query.services = {"nginx", "cron"};
  query.levels = {Level::kInfo, Level::kDebug};
  CHECK(Messages(QueryAll(t.storage(), query)) ==
        std::vector<std::string>{"w2 cron debug", "w1 nginx info"});

  query = {};
  query.hosts = {"nope"};
  CHECK(QueryAll(t.storage(), query).empty());
}

TEMPLATE_TEST_CASE("the live tail starts at the end and then returns new records in arrival order",
                   "[storage][tail]", HW_STORAGE_BACKENDS) {
  StorageTest<TestType> t;
  auto empty = t.storage().TailLogs(LogQuery{}, std::nullopt, 100);
  REQUIRE(empty.ok());
  CHECK(empty->logs.empty());
  CHECK(empty->last_id == 0);

  AppendNew(t.storage(), MakeBatch("web-1", "b1", {Log(kBase + 10, "before the tail started")}));
  auto start = t.storage().TailLogs(LogQuery{}, std::nullopt, 100);
  REQUIRE(start.ok());
  CHECK(start->logs.empty());
  REQUIRE(start->last_id > 0);

  auto nothing_new = t.storage().TailLogs(LogQuery{}, start->last_id, 100);
  REQUIRE(nothing_new.ok());
  CHECK(nothing_new->logs.empty());
  CHECK(nothing_new->last_id == start->last_id);

  // Timestamps older than what is stored still come in arrival order: the tail follows ids.
  AppendNew(t.storage(), MakeBatch("web-1", "b2",
                                   {Log(kBase + 5, "first new line", "nginx", Level::kError),
                                    Log(kBase + 1, "second new line", "sshd", Level::kInfo)}));
  AppendNew(t.storage(),
            MakeBatch("web-2", "b3", {Log(kBase + 3, "third new line", "nginx", Level::kWarning)}));
  auto all = t.storage().TailLogs(LogQuery{}, start->last_id, 100);
  REQUIRE(all.ok());
  CHECK(Messages(all->logs) ==
        std::vector<std::string>{"first new line", "second new line", "third new line"});
  const std::vector<int64_t> ids = Ids(all->logs);
  CHECK(std::is_sorted(ids.begin(), ids.end()));
  CHECK(all->last_id == all->logs.back().id);
  CHECK(all->logs.front().host == "web-1");
  CHECK(all->logs.back().host == "web-2");

  LogQuery filter;
  filter.services = {"nginx"};
  auto nginx = t.storage().TailLogs(filter, start->last_id, 100);
  REQUIRE(nginx.ok());
  CHECK(Messages(nginx->logs) == std::vector<std::string>{"first new line", "third new line"});

  filter = TextQuery("\"second new\"");
  auto text = t.storage().TailLogs(filter, start->last_id, 100);
  REQUIRE(text.ok());
  CHECK(Messages(text->logs) == std::vector<std::string>{"second new line"});
  CHECK(text->last_id == all->last_id);

  filter = {};
  filter.hosts = {"web-1"};
  filter.levels = {Level::kWarning};
  auto none = t.storage().TailLogs(filter, start->last_id, 100);
  REQUIRE(none.ok());
  CHECK(none->logs.empty());
  // Nothing matched, yet the position moves past the records already looked at.
  CHECK(none->last_id == all->last_id);
}

TEMPLATE_TEST_CASE("the live tail hands out at most limit records and continues after them",
                   "[storage][tail]", HW_STORAGE_BACKENDS) {
  StorageTest<TestType> t;
  std::vector<LogRecord> logs;
  for (int i = 0; i < 7; ++i) {
    logs.push_back(Log(kBase + i, "line " + std::to_string(i), i % 2 ? "odd" : "even"));
  }
  AppendNew(t.storage(), MakeBatch("web-1", "b1", logs));
  LogQuery even;
  even.services = {"even"};
  std::vector<std::string> seen;
  int64_t position = 0;
  for (int reads = 0; reads < 10; ++reads) {
    auto tail = t.storage().TailLogs(even, position, 2);
    REQUIRE(tail.ok());
    REQUIRE(tail->logs.size() <= 2);
    REQUIRE(tail->last_id >= position);
    for (const StoredLog& log : tail->logs) seen.push_back(log.record.message);
    if (tail->logs.size() < 2) break;
    position = tail->last_id;
  }
  CHECK(seen == std::vector<std::string>{"line 0", "line 2", "line 4", "line 6"});

  CHECK_FALSE(t.storage().TailLogs(LogQuery{}, 0, 0).ok());
  CHECK_FALSE(t.storage().TailLogs(LogQuery{}, 0, kMaxLogLimit + 1).ok());
}

TEMPLATE_TEST_CASE("log counts per time bucket and level follow the window and the filters",
                   "[storage][histogram]", HW_STORAGE_BACKENDS) {
  StorageTest<TestType> t;
  AppendNew(t.storage(), MakeBatch("web-1", "b1",
                                   {Log(kBase - 1, "before the window"),
                                    Log(kBase, "disk full", "app", Level::kError),
                                    Log(kBase + 999, "disk ok", "app", Level::kInfo),
                                    Log(kBase + 1000, "disk full again", "app", Level::kError),
                                    Log(kBase + 2500, "cpu hot", "kernel", Level::kWarning),
                                    Log(kBase + 3000, "at the end, excluded")}));
  AppendNew(t.storage(), MakeBatch("web-2", "b1", {Log(kBase + 10, "disk full", "app")}));
  auto counts_of = [&](const LogQuery& query) {
    auto counts = t.storage().CountLogs(query, 1000);
    if (!counts.ok()) FAIL("count: " << counts.status().message());
    std::vector<std::tuple<int64_t, Level, int64_t>> out;
    for (const LogCount& c : *counts) out.emplace_back(c.bucket, c.level, c.count);
    return out;
  };
  LogQuery query;
  query.start_ms = kBase;
  query.end_ms = kBase + 3000;
  using Row = std::tuple<int64_t, Level, int64_t>;
  CHECK(counts_of(query) == std::vector<Row>{{0, Level::kInfo, 2},
                                             {0, Level::kError, 1},
                                             {1, Level::kError, 1},
                                             {2, Level::kWarning, 1}});
  query.hosts = {"web-1"};
  query.terms = TextQuery("disk").terms;
  CHECK(counts_of(query) ==
        std::vector<Row>{{0, Level::kInfo, 1}, {0, Level::kError, 1}, {1, Level::kError, 1}});
  query.terms = TextQuery("\"disk full\"").terms;
  query.levels = {Level::kError};
  CHECK(counts_of(query) == std::vector<Row>{{0, Level::kError, 1}, {1, Level::kError, 1}});
  query = {};
  query.start_ms = kBase + 5000;
  query.end_ms = kBase + 9000;
  CHECK(counts_of(query).empty());
  CHECK_FALSE(t.storage().CountLogs(query, 0).ok());
}

TEMPLATE_TEST_CASE("the time window includes its start and excludes its end", "[storage]",
                   HW_STORAGE_BACKENDS) {
  StorageTest<TestType> t;
  std::vector<LogRecord> records;
  for (int i = 0; i < 10; ++i)
    records.push_back(Log(kBase + i * 10, "at " + std::to_string(i * 10)));
  AppendNew(t.storage(), MakeBatch("h", "b1", records));

  LogQuery query;
  query.start_ms = kBase + 20;
  query.end_ms = kBase + 50;
  CHECK(Messages(QueryAll(t.storage(), query)) ==
        std::vector<std::string>{"at 40", "at 30", "at 20"});

  query.start_ms = kBase + 21;
  query.end_ms = kBase + 51;
  CHECK(Messages(QueryAll(t.storage(), query)) ==
        std::vector<std::string>{"at 50", "at 40", "at 30"});

  query.start_ms = kBase + 30;
  query.end_ms = kBase + 30;
  CHECK(QueryAll(t.storage(), query).empty());

  // The same boundaries hold for a full-text search.
  query = TextQuery("at");
  query.start_ms = kBase + 20;
  query.end_ms = kBase + 50;
  CHECK(Messages(QueryAll(t.storage(), query)) ==
        std::vector<std::string>{"at 40", "at 30", "at 20"});
}

TEMPLATE_TEST_CASE("terms, phrases and prefixes match whole words", "[storage]",
                   HW_STORAGE_BACKENDS) {
  StorageTest<TestType> t;
  AppendNew(t.storage(),
            MakeBatch("h", "b1",
                      {Log(kBase + 1, "disk full on sda"), Log(kBase + 2, "Full disk warning"),
                       Log(kBase + 3, "fully booked"), Log(kBase + 4, "disks are FULL"),
                       Log(kBase + 5, "nothing to see")}));
  auto search = [&](std::string_view q) { return Messages(QueryAll(t.storage(), TextQuery(q))); };
  using V = std::vector<std::string>;

  // Every term must match, in any order and case-insensitively, as a whole word.
  CHECK(search("disk full") == V{"Full disk warning", "disk full on sda"});
  CHECK(search("DISK") == V{"Full disk warning", "disk full on sda"});
  // A phrase needs its words adjacent and in order.
  CHECK(search("\"disk full\"") == V{"disk full on sda"});
  CHECK(search("\"full disk\"") == V{"Full disk warning"});
  CHECK(search("\"disk on\"").empty());
  // A prefix term matches words starting with it; a prefix phrase ends in a prefix.
  CHECK(search("ful*") ==
        V{"disks are FULL", "fully booked", "Full disk warning", "disk full on sda"});
  CHECK(search("disk*") == V{"disks are FULL", "Full disk warning", "disk full on sda"});
  CHECK(search("\"disk fu\"*") == V{"disk full on sda"});
  CHECK(search("ful").empty());
  CHECK(search("disk full warning") == V{"Full disk warning"});
  CHECK(search("disk absent").empty());
}

TEMPLATE_TEST_CASE("search syntax characters in a term are matched literally", "[storage]",
                   HW_STORAGE_BACKENDS) {
  StorageTest<TestType> t;
  AppendNew(t.storage(), MakeBatch("h", "b1",
                                   {Log(kBase + 1, "mount (sda1) failed: read-only AND busy"),
                                    Log(kBase + 2, "connect 10.0.0.1:8080 refused"),
                                    Log(kBase + 3, "user said \"hi\" then NEAR(a b) left"),
                                    Log(kBase + 4, "glob foo*bar matched, message:foo set"),
                                    Log(kBase + 5, "just foo and bar"),
                                    Log(kBase + 6, "arrow -> here ^caret {col}"),
                                    Log(kBase + 7, "plain words only")}));
  auto search = [&](const std::vector<TextTerm>& terms) {
    LogQuery query;
    query.terms = terms;
    query.limit = kMaxLogLimit;
    auto page = t.storage().QueryLogs(query);
    if (!page.ok()) FAIL("query failed: " << page.status().message());
    return Messages(page->logs);
  };
  auto term = [](std::string text, bool phrase = false, bool prefix = false) {
    return TextTerm{std::move(text), phrase, prefix};
  };
  using V = std::vector<std::string>;

  CHECK(search({term("(sda1)")}) == V{"mount (sda1) failed: read-only AND busy"});
  CHECK(search({term("read-only")}) == V{"mount (sda1) failed: read-only AND busy"});
  CHECK(search({term("-only")}) ==
        V{"plain words only", "mount (sda1) failed: read-only AND busy"});
  CHECK(search({term("AND")}) == V{"just foo and bar", "mount (sda1) failed: read-only AND busy"});
  CHECK(search({term("OR")}).empty());
  CHECK(search({term("NOT")}).empty());
  CHECK(search({term("failed:")}) == V{"mount (sda1) failed: read-only AND busy"});
  CHECK(search({term("10.0.0.1:8080")}) == V{"connect 10.0.0.1:8080 refused"});
  CHECK(search({term("10.0.0.1:80")}).empty());
  CHECK(search({term("10.0.0.1:80", false, true)}) == V{"connect 10.0.0.1:8080 refused"});
  CHECK(search({term("\"hi\"")}) == V{"user said \"hi\" then NEAR(a b) left"});
  CHECK(search({term("said \"hi", true)}) == V{"user said \"hi\" then NEAR(a b) left"});
  CHECK(search({term("\"")}) == V{"user said \"hi\" then NEAR(a b) left"});
  CHECK(search({term("NEAR(a b)", true)}) == V{"user said \"hi\" then NEAR(a b) left"});
  CHECK(search({term("NEAR(a")}) == V{"user said \"hi\" then NEAR(a b) left"});
  CHECK(search({term("foo*bar")}) == V{"glob foo*bar matched, message:foo set"});
  CHECK(search({term("message:foo")}) == V{"glob foo*bar matched, message:foo set"});
  CHECK(search({term("foo"), term("bar")}) ==
        V{"just foo and bar", "glob foo*bar matched, message:foo set"});
  CHECK(search({term("->")}) == V{"arrow -> here ^caret {col}"});
  CHECK(search({term("^caret")}) == V{"arrow -> here ^caret {col}"});
  CHECK(search({term("{col}")}) == V{"arrow -> here ^caret {col}"});
  CHECK(search({term("*")}) == V{"glob foo*bar matched, message:foo set"});
  CHECK(search({term("'")}).empty());

  // The same through the query parser.
  CHECK(Messages(QueryAll(t.storage(), TextQuery(R"(said"hi" AND)"))).empty());
  CHECK(Messages(QueryAll(t.storage(), TextQuery(R"(said "hi" (sda1) OR)"))).empty());
  CHECK(Messages(QueryAll(t.storage(), TextQuery(R"(said "hi" left)"))) ==
        V{"user said \"hi\" then NEAR(a b) left"});
}

TEMPLATE_TEST_CASE("a repeated batch id is a duplicate and stores nothing", "[storage]",
                   HW_STORAGE_BACKENDS) {
  StorageTest<TestType> t;
  const Batch batch = MakeBatch("web-1", "b-42", {Log(kBase, "once"), Log(kBase + 1, "twice")});
  AppendNew(t.storage(), batch, kBase + 100);

  Batch again = batch;
  again.logs.push_back(Log(kBase + 2, "extra"));  // the content does not matter, the id does
  auto result = t.storage().Append(again, kBase + 200);
  REQUIRE(result.ok());
  CHECK(result->duplicate);

  CHECK(QueryAll(t.storage(), LogQuery{}).size() == 2);
  auto hosts = t.storage().ListHosts();
  REQUIRE(hosts.ok());
  REQUIRE(hosts->size() == 1);
  CHECK((*hosts)[0].batches == 1);
  CHECK((*hosts)[0].log_lines == 2);
  CHECK((*hosts)[0].last_seen_ms == kBase + 100);

  // The same batch id from another agent is a different batch.
  Batch other = MakeBatch("web-2", "b-42", {Log(kBase, "other agent")});
  AppendNew(t.storage(), other);
  CHECK(QueryAll(t.storage(), LogQuery{}).size() == 3);
}

TEMPLATE_TEST_CASE("concurrent duplicates of a batch store it once", "[storage]",
                   HW_STORAGE_BACKENDS) {
  StorageTest<TestType> t;
  constexpr int kThreads = 8;
  for (int round = 0; round < 5; ++round) {
    std::vector<LogRecord> records;
    for (int i = 0; i < 20; ++i) records.push_back(Log(kBase + i, "r" + std::to_string(round)));
    const Batch batch = MakeBatch("h", "dup-" + std::to_string(round), records);
    std::atomic<int> stored{0}, duplicates{0}, failed{0};
    RunConcurrently(kThreads, [&](int) {
      auto result = t.storage().Append(batch, kBase);
      if (!result.ok()) {
        ++failed;
      } else if (result->duplicate) {
        ++duplicates;
      } else {
        ++stored;
      }
    });
    CHECK(failed == 0);
    CHECK(stored == 1);
    CHECK(duplicates == kThreads - 1);
    CHECK(QueryAll(t.storage(), TextQuery("r" + std::to_string(round))).size() == 20);
  }
  CHECK(QueryAll(t.storage(), LogQuery{}).size() == 100);
}

TEMPLATE_TEST_CASE("concurrent appends from several threads are all stored", "[storage]",
                   HW_STORAGE_BACKENDS) {
  StorageTest<TestType> t;
  constexpr int kThreads = 8;
  constexpr int kBatches = 25;
  constexpr int kLines = 20;
  std::atomic<int> failures{0};
  RunConcurrently(kThreads, [&](int thread) {
    const std::string host = "host-" + std::to_string(thread);
    for (int b = 0; b < kBatches; ++b) {
      std::vector<LogRecord> records;
      for (int i = 0; i < kLines; ++i) {
        records.push_back(Log(kBase + b, "t" + std::to_string(thread) + " b" + std::to_string(b) +
                                             " line " + std::to_string(i)));
      }
      auto result = t.storage().Append(MakeBatch(host, "b" + std::to_string(b), records), kBase);
      if (!result.ok() || result->duplicate) ++failures;
    }
  });
  CHECK(failures == 0);

  auto logs = QueryAll(t.storage(), LogQuery{});
  REQUIRE(logs.size() == static_cast<size_t>(kThreads * kBatches * kLines));
  // Within each batch, ids follow the records' order.
  std::sort(logs.begin(), logs.end(),
            [](const StoredLog& a, const StoredLog& b) { return a.id < b.id; });
  std::map<std::string, int> next_line;  // "host b<n>" -> next expected line number
  for (const StoredLog& log : logs) {
    const std::string& m = log.record.message;
    const size_t line_at = m.find(" line ");
    const std::string key = log.host + m.substr(m.find(' '), line_at - m.find(' '));
    CHECK(std::stoi(m.substr(line_at + 6)) == next_line[key]++);
  }
  CHECK(next_line.size() == static_cast<size_t>(kThreads * kBatches));

  auto hosts = t.storage().ListHosts();
  REQUIRE(hosts.ok());
  REQUIRE(hosts->size() == static_cast<size_t>(kThreads));
  for (const HostInfo& host : *hosts) {
    CHECK(host.batches == kBatches);
    CHECK(host.log_lines == kBatches * kLines);
  }
}

TEMPLATE_TEST_CASE("the host registry counts what each host sent", "[storage]",
                   HW_STORAGE_BACKENDS) {
  StorageTest<TestType> t;
  MetricSeries cpu;
  cpu.name = "cpu_usage_ratio";
  cpu.labels = {{"cpu", "0"}};
  cpu.samples = {{kBase, 0.5}, {kBase + 1000, 0.25}, {kBase + 2000, 0.75}};
  AppendNew(t.storage(), MakeBatch("web-2", "1", {Log(kBase, "a"), Log(kBase, "b")}, {cpu}),
            kBase + 10);
  AppendNew(t.storage(), MakeBatch("db-1", "1", {Log(kBase, "c")}), kBase + 20);
  Batch upgraded = MakeBatch("web-2", "2", {Log(kBase, "d")});
  upgraded.agent.version = "1.1.0";
  AppendNew(t.storage(), upgraded, kBase + 30);
  auto duplicate = t.storage().Append(upgraded, kBase + 40);
  REQUIRE(duplicate.ok());
  REQUIRE(duplicate->duplicate);

  auto hosts = t.storage().ListHosts();
  REQUIRE(hosts.ok());
  REQUIRE(hosts->size() == 2);
  const HostInfo& db = (*hosts)[0];
  const HostInfo& web = (*hosts)[1];
  CHECK(db.host == "db-1");
  CHECK(db.agent_id == "agent-db-1");
  CHECK(db.agent_version == "1.0.0");
  CHECK(db.first_seen_ms == kBase + 20);
  CHECK(db.last_seen_ms == kBase + 20);
  CHECK(db.batches == 1);
  CHECK(db.log_lines == 1);
  CHECK(db.samples == 0);
  CHECK(web.host == "web-2");
  CHECK(web.agent_id == "agent-web-2");
  CHECK(web.agent_version == "1.1.0");
  CHECK(web.first_seen_ms == kBase + 10);
  CHECK(web.last_seen_ms == kBase + 30);
  CHECK(web.batches == 2);
  CHECK(web.log_lines == 3);
  CHECK(web.samples == 3);
}

TEMPLATE_TEST_CASE("stats count logs, series and samples", "[storage]", HW_STORAGE_BACKENDS) {
  StorageTest<TestType> t;
  MetricSeries cpu0;
  cpu0.name = "cpu_usage_ratio";
  cpu0.labels = {{"cpu", "0"}, {"mode", "user"}};
  cpu0.samples = {{kBase, 0.5}, {kBase + 1000, 0.25}};
  MetricSeries cpu1 = cpu0;
  cpu1.labels = {{"cpu", "1"}, {"mode", "user"}};
  MetricSeries up;
  up.name = "up";
  up.type = MetricType::kCounter;
  up.samples = {{kBase, 1}};
  AppendNew(t.storage(), MakeBatch("h", "1", {Log(kBase, "x"), Log(kBase, "y")}, {cpu0, cpu1}));
  // The same series again (labels in another insertion order), one sample repeated.
  MetricSeries cpu0_again;
  cpu0_again.name = "cpu_usage_ratio";
  cpu0_again.labels = {{"mode", "user"}, {"cpu", "0"}};
  cpu0_again.samples = {{kBase + 1000, 0.3}, {kBase + 2000, 0.1}};
  AppendNew(t.storage(), MakeBatch("h", "2", {Log(kBase, "z")}, {cpu0_again, up}));
  // Another host's series with the same name and labels is another series.
  AppendNew(t.storage(), MakeBatch("h2", "1", {}, {up}));

  auto stats = t.storage().Stats();
  REQUIRE(stats.ok());
  CHECK(stats->log_lines == 3);
  CHECK(stats->series == 4);
  CHECK(stats->samples == 7);  // 2 + 2 + (2 - 1 replaced) + 1 + 1
  CHECK(stats->hosts == 2);
  CHECK(stats->bytes_on_disk > 0);
  CHECK(stats->queued_batches == 0);  // Append returns once its batch is committed
  CHECK(stats->queued_rows == 0);
  CHECK(t.storage().Ready());

  // A duplicate batch adds nothing; the figures are the same after reopening.
  auto again = t.storage().Append(MakeBatch("h2", "1", {}, {up}), kBase);
  REQUIRE(again.ok());
  CHECK(again->duplicate);
  t.Reopen();
  auto reopened = t.storage().Stats();
  REQUIRE(reopened.ok());
  CHECK(reopened->log_lines == 3);
  CHECK(reopened->series == 4);
  CHECK(reopened->samples == 7);
  CHECK(reopened->hosts == 2);
}

TEMPLATE_TEST_CASE("stored data survives closing and reopening", "[storage]", HW_STORAGE_BACKENDS) {
  StorageTest<TestType> t;
  AppendNew(
      t.storage(),
      MakeBatch("web-1", "b1", {Log(kBase, "before restart", "app", Level::kError, {{"k", "v"}})}));
  const auto before = QueryAll(t.storage(), LogQuery{});
  t.Reopen();

  const auto after = QueryAll(t.storage(), LogQuery{});
  REQUIRE(after.size() == 1);
  CHECK(after[0].id == before[0].id);
  CHECK(after[0].host == "web-1");
  CHECK(after[0].record.message == "before restart");
  CHECK(after[0].record.level == Level::kError);
  CHECK(after[0].record.fields == Labels{{"k", "v"}});
  CHECK(Messages(QueryAll(t.storage(), TextQuery("restart"))) ==
        std::vector<std::string>{"before restart"});
  auto hosts = t.storage().ListHosts();
  REQUIRE(hosts.ok());
  REQUIRE(hosts->size() == 1);
  CHECK((*hosts)[0].log_lines == 1);

  // Idempotency outlives the restart; new batches get newer ids.
  auto again = t.storage().Append(MakeBatch("web-1", "b1", {Log(kBase, "retry")}), kBase);
  REQUIRE(again.ok());
  CHECK(again->duplicate);
  AppendNew(t.storage(), MakeBatch("web-1", "b2", {Log(kBase, "after restart")}));
  const auto all = QueryAll(t.storage(), LogQuery{});
  REQUIRE(all.size() == 2);
  CHECK(all[0].record.message == "after restart");
  CHECK(all[0].id > after[0].id);
}

TEMPLATE_TEST_CASE("queries with an invalid limit are refused and an empty window is empty",
                   "[storage]", HW_STORAGE_BACKENDS) {
  StorageTest<TestType> t;
  AppendNew(t.storage(), MakeBatch("h", "b1", {Log(kBase, "x")}));
  LogQuery query;
  for (int limit : {0, -1, kMaxLogLimit + 1}) {
    query.limit = limit;
    auto page = t.storage().QueryLogs(query);
    REQUIRE_FALSE(page.ok());
    CHECK(page.status().code() == StatusCode::kInvalidArgument);
  }
  query.limit = 1;
  query.start_ms = kBase + 1;
  query.end_ms = kBase;
  auto page = t.storage().QueryLogs(query);
  REQUIRE(page.ok());
  CHECK(page->logs.empty());
  CHECK_FALSE(page->next.has_value());
}

// A model-checked test: many records with timestamps that only roughly follow arrival order
// (late batches included) and random combinations of filters, terms and page sizes; every
// answer must equal the plain model's.
TEMPLATE_TEST_CASE("random queries agree with a plain model of the contract", "[storage]",
                   HW_STORAGE_BACKENDS) {
  StorageTest<TestType> t;
  std::mt19937 rng(20251123);
  auto pick = [&](const auto& list) { return list[rng() % list.size()]; };
  const std::vector<std::string> words = {"disk",  "full",    "error",  "timeout",  "connection",
                                          "reset", "peer",    "auth",   "failure",  "user",
                                          "root",  "session", "opened", "closed",   "blk",
                                          "Disk",  "FAILURE", "x86_64", "10.0.0.7", "ok"};
  const std::vector<std::string> separators = {" ", " ", " ", ": ", " - ", "/", "=", ", "};
  const std::vector<std::string> hosts = {"alpha", "beta", "gamma"};
  const std::vector<std::string> services = {"sshd", "kernel", "cron", "app"};

  constexpr int kBatches = 60;
  constexpr int kPerBatch = 250;  // 15000 records: several thousand-id ranges
  std::vector<Batch> batches;
  for (int b = 0; b < kBatches; ++b) {
    Batch batch = MakeBatch(pick(hosts), "rand-" + std::to_string(b));
    const bool late = b % 7 == 3;  // a late batch: old timestamps arriving now
    for (int i = 0; i < kPerBatch; ++i) {
      std::string message = pick(words);
      const int n = 2 + static_cast<int>(rng() % 8);
      for (int w = 0; w < n; ++w) message += pick(separators) + pick(words);
      const int64_t ts = late ? kBase + static_cast<int64_t>(rng() % (kBatches * 100))
                              : kBase + b * 100 + static_cast<int64_t>(rng() % 400);
      batch.logs.push_back(
          Log(ts, message, pick(services), static_cast<Level>(rng() % kLevelCount)));
    }
    batches.push_back(std::move(batch));
  }
  for (const Batch& batch : batches) AppendNew(t.storage(), batch);

  LogQuery everything;
  const std::vector<StoredLog> all = QueryAll(t.storage(), everything);
  REQUIRE(all.size() == static_cast<size_t>(kBatches * kPerBatch));
  REQUIRE(std::is_sorted(all.begin(), all.end(), NewestFirst));
  {
    // Everything stored is what was appended, in batch order.
    std::vector<StoredLog> by_id = all;
    std::sort(by_id.begin(), by_id.end(),
              [](const StoredLog& a, const StoredLog& b) { return a.id < b.id; });
    size_t k = 0;
    for (const Batch& batch : batches) {
      for (const LogRecord& record : batch.logs) {
        const StoredLog& stored = by_id[k++];
        REQUIRE(stored.host == batch.agent.host);
        REQUIRE(stored.record.message == record.message);
        REQUIRE(stored.record.ts_ms == record.ts_ms);
        REQUIRE(stored.record.service == record.service);
        REQUIRE(stored.record.level == record.level);
      }
    }
  }

  for (int round = 0; round < 120; ++round) {
    LogQuery query;
    query.limit = pick(std::vector<int>{1, 7, 50, 333, kMaxLogLimit});
    if (rng() % 3 == 0) query.hosts = {pick(hosts)};
    if (rng() % 4 == 0) query.hosts.push_back(pick(hosts));
    if (rng() % 3 == 0) query.services = {pick(services), pick(services)};
    if (rng() % 3 == 0) {
      query.levels = {static_cast<Level>(rng() % kLevelCount),
                      static_cast<Level>(rng() % kLevelCount)};
    }
    if (rng() % 2 == 0) {
      query.start_ms = kBase + static_cast<int64_t>(rng() % (kBatches * 100));
      query.end_ms = query.start_ms + 1 + static_cast<int64_t>(rng() % (kBatches * 50));
    }
    const int terms = static_cast<int>(rng() % 3);
    for (int i = 0; i < terms; ++i) {
      TextTerm term;
      switch (rng() % 4) {
        case 0:
        case 1:
          term.text = pick(words);
          break;
        case 2:  // a prefix of a word
          term.text = pick(words).substr(0, 1 + rng() % 3);
          term.prefix = true;
          break;
        default: {  // two adjacent words of a stored message, as a phrase
          const std::vector<std::string> w = Words(pick(all).record.message);
          const size_t at = rng() % (w.size() - 1);
          term.text = w[at] + " " + w[at + 1];
          term.phrase = true;
          break;
        }
      }
      query.terms.push_back(term);
    }
    const std::vector<StoredLog> expected = ModelQuery(all, query);
    // At most about 40 pages per query: small pages where there are few results.
    query.limit = std::max(query.limit, static_cast<int>(expected.size() / 40 + 1));
    const std::vector<StoredLog> got = QueryAll(t.storage(), query);
    INFO("round " << round << ": " << query.terms.size() << " terms, limit " << query.limit);
    for (const TextTerm& term : query.terms) {
      INFO("term '" << term.text << "' phrase=" << term.phrase << " prefix=" << term.prefix);
    }
    REQUIRE(Ids(got) == Ids(expected));
  }
}

// Real log lines: counts of lines containing a word (or phrase, or prefix), per a direct scan
// of the files, must equal the storage's answers.
TEMPLATE_TEST_CASE("searching real log lines finds exactly the lines that contain the words",
                   "[storage]", HW_STORAGE_BACKENDS) {
  StorageTest<TestType> t;
  struct Line {
    std::string service;
    std::string text;
  };
  std::vector<Line> lines;
  for (const char* name : {"HDFS_2k", "Hadoop_2k", "Linux_2k", "OpenSSH_2k"}) {
    std::ifstream in(std::string(HIVEWATCH_SHARED_LOGS) + "/" + name + ".log");
    REQUIRE(in.good());
    std::string text;
    while (std::getline(in, text)) {
      if (!text.empty() && text.back() == '\r') text.pop_back();
      lines.push_back({name, text});
    }
  }
  REQUIRE(lines.size() > 7000);
  for (size_t start = 0, b = 0; start < lines.size(); start += 500, ++b) {
    std::vector<LogRecord> records;
    for (size_t i = start; i < std::min(lines.size(), start + 500); ++i) {
      records.push_back(Log(kBase + static_cast<int64_t>(i), lines[i].text, lines[i].service));
    }
    AppendNew(t.storage(), MakeBatch("loghub", "real-" + std::to_string(b), records));
  }

  struct Case {
    const char* q;
    const char* service;  // nullptr: any
  };
  for (const Case& c :
       {Case{"failure", nullptr}, Case{"invalid", nullptr}, Case{"terminating", nullptr},
        Case{"session", "Linux_2k"}, Case{"blk", nullptr}, Case{"INFO", "Hadoop_2k"},
        Case{"\"authentication failure\"", nullptr}, Case{"\"Invalid user\" from", "OpenSSH_2k"},
        Case{"recei*", nullptr}, Case{"10.251.*", nullptr}, Case{"rhost=218.188.2.4", nullptr},
        Case{"preauth", nullptr}, Case{"PacketResponder 1", nullptr}}) {
    LogQuery query = TextQuery(c.q);
    if (c.service != nullptr) query.services = {c.service};
    size_t expected = 0;
    for (const Line& line : lines) {
      if (c.service != nullptr && line.service != c.service) continue;
      const std::vector<std::string> words = Words(line.text);
      bool match = true;
      for (const TextTerm& term : query.terms)
        match = match && ModelMatches(words, line.text, term);
      expected += match ? 1 : 0;
    }
    INFO("q=" << c.q << " service=" << (c.service ? c.service : "any"));
    CHECK(expected > 0);  // otherwise the case proves nothing
    CHECK(QueryAll(t.storage(), query).size() == expected);
  }
}

// ---- Metric reads ---------------------------------------------------------------------------

MetricSeries Series(std::string name, Labels labels, std::vector<Sample> samples,
                    MetricType type = MetricType::kGauge) {
  MetricSeries series;
  series.name = std::move(name);
  series.type = type;
  series.labels = std::move(labels);
  series.samples = std::move(samples);
  return series;
}

LabelMatcher Match(std::string name, LabelMatcher::Op op, std::string value) {
  return LabelMatcher{std::move(name), op, std::move(value)};
}
constexpr auto kEq = LabelMatcher::Op::kEq;
constexpr auto kNe = LabelMatcher::Op::kNe;
constexpr auto kRe = LabelMatcher::Op::kRe;
constexpr auto kNre = LabelMatcher::Op::kNre;

SeriesSelection Select(std::vector<LabelMatcher> matchers, int64_t start_ms = 0,
                       int64_t end_ms = INT64_MAX) {
  SeriesSelection selection;
  selection.matchers = std::move(matchers);
  selection.start_ms = start_ms;
  selection.end_ms = end_ms;
  return selection;
}

std::vector<SeriesSamples> SelectOk(Storage& storage, const SeriesSelection& selection) {
  auto series = storage.SelectSeries(selection);
  if (!series.ok()) FAIL("SelectSeries: " << series.status().message());
  return std::move(series).value();
}

std::vector<Labels> ListOk(Storage& storage, const SeriesSelection& selection) {
  auto series = storage.ListSeries(selection);
  if (!series.ok()) FAIL("ListSeries: " << series.status().message());
  return std::move(series).value();
}

std::vector<std::string> HostsOf(const std::vector<SeriesSamples>& series) {
  std::vector<std::string> hosts;
  for (const SeriesSamples& s : series) hosts.push_back(s.labels.at("host"));
  return hosts;
}

// Two hosts of node-exporter-like CPU counters and a memory gauge.
template <typename T>
void AppendCpuFixture(StorageTest<T>& t) {
  for (const std::string host : {"web-1", "db-1"}) {
    std::vector<MetricSeries> metrics;
    for (const std::string mode : {"idle", "user", "system"}) {
      metrics.push_back(Series("node_cpu_seconds_total", {{"cpu", "0"}, {"mode", mode}},
                               {{kBase, 10}, {kBase + 10000, 20}, {kBase + 20000, 30}},
                               MetricType::kCounter));
    }
    metrics.push_back(
        Series("node_memory_MemAvailable_bytes", {}, {{kBase, 1e9}, {kBase + 10000, 2e9}}));
    AppendNew(t.storage(), MakeBatch(host, "cpu-" + host, {}, metrics));
  }
}

TEMPLATE_TEST_CASE("selected series carry __name__, host, their labels, type and samples",
                   "[storage][metrics]", HW_STORAGE_BACKENDS) {
  StorageTest<TestType> t;
  AppendCpuFixture(t);
  const auto series = SelectOk(
      t.storage(),
      Select({Match("__name__", kEq, "node_cpu_seconds_total"), Match("mode", kEq, "idle")}));
  REQUIRE(series.size() == 2);
  // Sorted by label set: cpu, host, mode, __name__ compare as a sorted map ("__name__" first).
  CHECK(series[0].labels == Labels{{"__name__", "node_cpu_seconds_total"},
                                   {"cpu", "0"},
                                   {"host", "db-1"},
                                   {"mode", "idle"}});
  CHECK(series[1].labels.at("host") == "web-1");
  CHECK(series[0].type == MetricType::kCounter);
  REQUIRE(series[0].samples.size() == 3);
  CHECK(series[0].samples[0].ts_ms == kBase);
  CHECK(series[0].samples[0].value == 10);
  CHECK(series[0].samples[2].ts_ms == kBase + 20000);
  CHECK(series[0].samples[2].value == 30);

  const auto memory =
      SelectOk(t.storage(), Select({Match("__name__", kEq, "node_memory_MemAvailable_bytes")}));
  REQUIRE(memory.size() == 2);
  CHECK(memory[0].type == MetricType::kGauge);
  CHECK(memory[0].labels ==
        Labels{{"__name__", "node_memory_MemAvailable_bytes"}, {"host", "db-1"}});
}

TEMPLATE_TEST_CASE("the sample window includes both ends and drops series with nothing in it",
                   "[storage][metrics]", HW_STORAGE_BACKENDS) {
  StorageTest<TestType> t;
  AppendCpuFixture(t);
  auto series = SelectOk(t.storage(), Select({Match("__name__", kEq, "node_cpu_seconds_total"),
                                              Match("host", kEq, "web-1")},
                                             kBase + 10000, kBase + 20000));
  REQUIRE(series.size() == 3);
  for (const SeriesSamples& s : series) {
    REQUIRE(s.samples.size() == 2);
    CHECK(s.samples[0].ts_ms == kBase + 10000);
    CHECK(s.samples[1].ts_ms == kBase + 20000);
  }
  // The memory gauge ends at kBase + 10000: absent from a later window.
  CHECK(SelectOk(t.storage(), Select({Match("host", kEq, "web-1")}, kBase + 10001, kBase + 30000))
            .size() == 3);
  CHECK(SelectOk(t.storage(), Select({Match("host", kEq, "web-1")}, kBase + 20001, kBase + 30000))
            .empty());
  CHECK(SelectOk(t.storage(), Select({Match("host", kEq, "web-1")}, kBase + 1, kBase)).empty());
}

TEMPLATE_TEST_CASE("label matchers follow PromQL semantics", "[storage][metrics]",
                   HW_STORAGE_BACKENDS) {
  StorageTest<TestType> t;
  AppendNew(
      t.storage(),
      MakeBatch("api-1", "1", {},
                {Series("http_requests_total", {{"code", "200"}, {"path", "/a"}}, {{kBase, 1}}),
                 Series("http_requests_total", {{"code", "500"}, {"path", "/a"}}, {{kBase, 2}}),
                 Series("http_requests_total", {{"code", "404"}}, {{kBase, 3}}),
                 Series("http_errors_total", {{"code", "500"}}, {{kBase, 4}})}));
  AppendNew(t.storage(),
            MakeBatch("api-22", "1", {},
                      {Series("http_requests_total", {{"code", "200"}}, {{kBase, 5}})}));
  auto values = [&](std::vector<LabelMatcher> matchers) {
    std::vector<double> out;
    for (const SeriesSamples& s : SelectOk(t.storage(), Select(std::move(matchers)))) {
      out.push_back(s.samples.at(0).value);
    }
    std::sort(out.begin(), out.end());
    return out;
  };
  using V = std::vector<double>;
  const LabelMatcher requests = Match("__name__", kEq, "http_requests_total");
  CHECK(values({requests}) == V{1, 2, 3, 5});
  CHECK(values({requests, Match("code", kNe, "200")}) == V{2, 3});
  CHECK(values({requests, Match("code", kRe, "2..|4..")}) == V{1, 3, 5});
  CHECK(values({requests, Match("code", kNre, "2..")}) == V{2, 3});
  // Regexes match the whole value, not a part of it.
  CHECK(values({requests, Match("code", kRe, "0")}).empty());
  CHECK(values({Match("host", kRe, "api-2")}).empty());
  CHECK(values({Match("host", kRe, "api-2+")}) == V{5});
  // An absent label matches as the empty string.
  CHECK(values({requests, Match("path", kEq, "")}) == V{3, 5});
  CHECK(values({requests, Match("path", kNe, "")}) == V{1, 2});
  CHECK(values({requests, Match("path", kRe, "/a|")}) == V{1, 2, 3, 5});
  CHECK(values({requests, Match("path", kNre, ".+")}) == V{3, 5});
  // The metric name is a label like the others; several matchers on one label all hold.
  CHECK(values({Match("__name__", kRe, "http_.*_total"), Match("code", kEq, "500")}) == V{2, 4});
  CHECK(values({Match("__name__", kNe, "http_requests_total")}) == V{4});
  CHECK(values({Match("code", kRe, "[0-9]+"), Match("code", kNre, "5.*")}) == V{1, 3, 5});
  CHECK(values({requests, Match("host", kEq, "api-22")}) == V{5});
  CHECK(values({requests, Match("host", kEq, "nope")}).empty());
  CHECK(values({Match("__name__", kEq, "nope")}).empty());
}

TEMPLATE_TEST_CASE("an invalid regex matcher is refused naming it", "[storage][metrics]",
                   HW_STORAGE_BACKENDS) {
  StorageTest<TestType> t;
  AppendCpuFixture(t);
  for (auto op : {kRe, kNre}) {
    auto series = t.storage().SelectSeries(Select({Match("mode", op, "(idle")}));
    REQUIRE_FALSE(series.ok());
    CHECK(series.status().code() == StatusCode::kInvalidArgument);
    CHECK(series.status().message().find("(idle") != std::string::npos);
    auto list = t.storage().ListSeries(Select({Match("mode", op, "[")}));
    REQUIRE_FALSE(list.ok());
    CHECK(list.status().code() == StatusCode::kInvalidArgument);
    auto latest = t.storage().LatestSamples({Match("mode", op, "*")}, kBase, 300000);
    REQUIRE_FALSE(latest.ok());
    CHECK(latest.status().code() == StatusCode::kInvalidArgument);
  }
}

TEMPLATE_TEST_CASE("the pushing agent's host overrides a pushed host label", "[storage][metrics]",
                   HW_STORAGE_BACKENDS) {
  StorageTest<TestType> t;
  AppendNew(t.storage(),
            MakeBatch("real-host", "1", {},
                      {Series("up", {{"host", "spoofed"}, {"job", "x"}}, {{kBase, 1}})}));
  const auto series = SelectOk(t.storage(), Select({Match("__name__", kEq, "up")}));
  REQUIRE(series.size() == 1);
  CHECK(series[0].labels == Labels{{"__name__", "up"}, {"host", "real-host"}, {"job", "x"}});
  CHECK(SelectOk(t.storage(), Select({Match("host", kEq, "spoofed")})).empty());
  CHECK(SelectOk(t.storage(), Select({Match("host", kEq, "real-host")})).size() == 1);
}

TEMPLATE_TEST_CASE("a pushed label with an empty value is no label", "[storage][metrics]",
                   HW_STORAGE_BACKENDS) {
  StorageTest<TestType> t;
  AppendNew(t.storage(),
            MakeBatch("h", "1", {}, {Series("up", {{"job", ""}, {"zone", "a"}}, {{kBase, 1}})}));
  const auto series = SelectOk(t.storage(), Select({Match("__name__", kEq, "up")}));
  REQUIRE(series.size() == 1);
  CHECK(series[0].labels == Labels{{"__name__", "up"}, {"host", "h"}, {"zone", "a"}});
  CHECK(ListOk(t.storage(), Select({Match("job", kEq, ""), Match("zone", kEq, "a")})).size() == 1);
}

TEMPLATE_TEST_CASE("samples come back in time order across batches, a repeated one replaced",
                   "[storage][metrics]", HW_STORAGE_BACKENDS) {
  StorageTest<TestType> t;
  AppendNew(t.storage(),
            MakeBatch("h", "1", {}, {Series("g", {}, {{kBase + 3000, 3}, {kBase + 1000, 1}})}));
  AppendNew(t.storage(),
            MakeBatch("h", "2", {}, {Series("g", {}, {{kBase + 2000, 2}, {kBase + 3000, 30}})}));
  AppendNew(t.storage(),
            MakeBatch("h", "3", {}, {Series("g", {}, {{kBase, std::nan("")}, {kBase + 4000, 4}})}));
  const auto series = SelectOk(t.storage(), Select({Match("__name__", kEq, "g")}));
  REQUIRE(series.size() == 1);
  const auto& s = series[0].samples;
  REQUIRE(s.size() == 5);
  CHECK(s[0].ts_ms == kBase);
  CHECK(std::isnan(s[0].value));
  for (int i = 1; i < 5; ++i) CHECK(s[i].ts_ms == kBase + i * 1000);
  CHECK(s[1].value == 1);
  CHECK(s[2].value == 2);
  CHECK(s[3].value == 30);
  CHECK(s[4].value == 4);
}

TEMPLATE_TEST_CASE("listing series gives label sets with samples in the window",
                   "[storage][metrics]", HW_STORAGE_BACKENDS) {
  StorageTest<TestType> t;
  AppendCpuFixture(t);
  const auto all = ListOk(t.storage(), Select({}));
  REQUIRE(all.size() == 8);
  CHECK(std::is_sorted(all.begin(), all.end()));
  CHECK(all[0] == Labels{{"__name__", "node_cpu_seconds_total"},
                         {"cpu", "0"},
                         {"host", "db-1"},
                         {"mode", "idle"}});
  CHECK(ListOk(t.storage(), Select({Match("mode", kEq, "user")})).size() == 2);
  CHECK(ListOk(t.storage(), Select({}, kBase + 15000, kBase + 25000)).size() == 6);
  CHECK(ListOk(t.storage(), Select({}, kBase + 20001, kBase + 99999)).empty());
  // The same answer as SelectSeries without the samples.
  const auto selected = SelectOk(t.storage(), Select({Match("host", kEq, "db-1")}));
  const auto listed = ListOk(t.storage(), Select({Match("host", kEq, "db-1")}));
  REQUIRE(selected.size() == listed.size());
  for (size_t i = 0; i < listed.size(); ++i) CHECK(selected[i].labels == listed[i]);
}

TEMPLATE_TEST_CASE("latest samples are the newest at or before the time within the lookback",
                   "[storage][metrics]", HW_STORAGE_BACKENDS) {
  StorageTest<TestType> t;
  AppendNew(t.storage(),
            MakeBatch("a", "1", {},
                      {Series("temp", {}, {{kBase, 1}, {kBase + 10000, 2}, {kBase + 20000, 3}}),
                       Series("load", {}, {{kBase, 7}})}));
  AppendNew(t.storage(), MakeBatch("b", "1", {}, {Series("temp", {}, {{kBase + 5000, 10}})}));
  auto latest = [&](int64_t at, int64_t lookback, std::vector<LabelMatcher> matchers = {}) {
    auto result = t.storage().LatestSamples(matchers, at, lookback);
    if (!result.ok()) FAIL("LatestSamples: " << result.status().message());
    std::vector<std::string> out;
    for (const SeriesSamples& s : *result) {
      REQUIRE(s.samples.size() == 1);
      out.push_back(s.labels.at("__name__") + "@" + s.labels.at("host") + "=" +
                    std::to_string(static_cast<int>(s.samples[0].value)) + "/" +
                    std::to_string(s.samples[0].ts_ms - kBase));
    }
    return out;
  };
  using S = std::vector<std::string>;
  CHECK(latest(kBase + 15000, 300000) == S{"load@a=7/0", "temp@a=2/10000", "temp@b=10/5000"});
  CHECK(latest(kBase + 15000, 300000, {Match("__name__", kEq, "temp")}) ==
        S{"temp@a=2/10000", "temp@b=10/5000"});
  CHECK(latest(kBase + 15000, 300000, {Match("host", kEq, "b")}) == S{"temp@b=10/5000"});
  // The lookback bound is inclusive; nothing newer than `at` is returned.
  CHECK(latest(kBase + 15000, 10000) == S{"temp@a=2/10000", "temp@b=10/5000"});
  CHECK(latest(kBase + 15000, 9999) == S{"temp@a=2/10000"});
  CHECK(latest(kBase + 99999, 1000).empty());
  CHECK(latest(kBase - 1, 300000).empty());
  CHECK(latest(kBase + 20000, 0) == S{"temp@a=3/20000"});
}

TEMPLATE_TEST_CASE("metric reads see series stored before a reopen", "[storage][metrics]",
                   HW_STORAGE_BACKENDS) {
  StorageTest<TestType> t;
  AppendCpuFixture(t);
  t.Reopen();
  CHECK(HostsOf(SelectOk(t.storage(), Select({Match("mode", kEq, "user")}))) ==
        std::vector<std::string>{"db-1", "web-1"});
  AppendNew(t.storage(),
            MakeBatch("web-1", "later", {},
                      {Series("node_cpu_seconds_total", {{"cpu", "0"}, {"mode", "user"}},
                              {{kBase + 30000, 40}}, MetricType::kCounter)}));
  const auto series =
      SelectOk(t.storage(), Select({Match("mode", kEq, "user"), Match("host", kEq, "web-1")}));
  REQUIRE(series.size() == 1);
  CHECK(series[0].samples.size() == 4);
}

// A model-checked test: random series and random matcher sets; SelectSeries, ListSeries and
// LatestSamples must agree with a direct evaluation of the matchers over what was pushed.
TEMPLATE_TEST_CASE("random metric selections agree with a plain model", "[storage][metrics]",
                   HW_STORAGE_BACKENDS) {
  StorageTest<TestType> t;
  std::mt19937 rng(7);
  auto pick = [&](const std::vector<std::string>& from) {
    return from[std::uniform_int_distribution<size_t>(0, from.size() - 1)(rng)];
  };
  const std::vector<std::string> names = {"cpu", "mem", "disk_io", "net_rx"};
  const std::vector<std::string> hosts = {"h1", "h2", "h3"};
  const std::vector<std::string> values = {"", "a", "b", "ab", "ba"};
  std::map<Labels, std::map<int64_t, double>> model;
  for (int b = 0; b < 30; ++b) {
    const std::string host = pick(hosts);
    std::vector<MetricSeries> metrics;
    for (int m = 0; m < 5; ++m) {
      Labels pushed;
      for (const char* key : {"x", "y"}) {
        const std::string v = pick(values);
        if (!v.empty()) pushed[key] = v;
      }
      MetricSeries series = Series(pick(names), pushed, {});
      std::set<int64_t> seen;
      for (int s = 0; s < 4; ++s) {
        const int64_t ts = kBase + std::uniform_int_distribution<int64_t>(0, 99)(rng) * 1000;
        if (!seen.insert(ts).second) continue;
        series.samples.push_back({ts, static_cast<double>(b * 100 + m * 10 + s)});
      }
      Labels full = pushed;
      full["__name__"] = series.name;
      full["host"] = host;
      for (const Sample& s : series.samples) model[full][s.ts_ms] = s.value;
      metrics.push_back(std::move(series));
    }
    AppendNew(t.storage(), MakeBatch(host, "rand-" + std::to_string(b), {}, metrics));
  }
  const std::vector<LabelMatcher::Op> ops = {kEq, kNe, kRe, kNre};
  for (int q = 0; q < 200; ++q) {
    std::vector<LabelMatcher> matchers;
    const int count = std::uniform_int_distribution<int>(0, 3)(rng);
    for (int i = 0; i < count; ++i) {
      const std::string label = pick({"__name__", "host", "x", "y"});
      const LabelMatcher::Op op = ops[std::uniform_int_distribution<size_t>(0, 3)(rng)];
      std::string value = label == "__name__" ? pick(names)
                          : label == "host"   ? pick(hosts)
                                              : pick(values);
      if (op == kRe || op == kNre) value = pick({value, value + "|a", "a.*", ".*b", "[ab]"});
      matchers.push_back(Match(label, op, value));
    }
    const int64_t start = kBase + std::uniform_int_distribution<int64_t>(0, 99)(rng) * 1000;
    const int64_t end = start + std::uniform_int_distribution<int64_t>(0, 50)(rng) * 1000;

    auto holds = [&](const Labels& labels) {
      for (const LabelMatcher& m : matchers) {
        auto it = labels.find(m.name);
        const std::string v = it == labels.end() ? "" : it->second;
        const bool re = std::regex_match(v, std::regex(m.value));
        const bool ok = m.op == kEq   ? v == m.value
                        : m.op == kNe ? v != m.value
                        : m.op == kRe ? re
                                      : !re;
        if (!ok) return false;
      }
      return true;
    };
    std::vector<SeriesSamples> want;
    std::vector<SeriesSamples> want_latest;
    for (const auto& [labels, samples] : model) {
      if (!holds(labels)) continue;
      SeriesSamples s;
      s.labels = labels;
      for (const auto& [ts, v] : samples) {
        if (ts >= start && ts <= end) s.samples.push_back({ts, v});
      }
      if (!s.samples.empty()) {
        want_latest.push_back(s);
        want_latest.back().samples = {s.samples.back()};
        want.push_back(std::move(s));
      }
    }
    INFO("query " << q << " [" << start << ", " << end << "] with " << matchers.size()
                  << " matchers");
    const auto got = SelectOk(t.storage(), Select(matchers, start, end));
    const auto listed = ListOk(t.storage(), Select(matchers, start, end));
    auto latest = t.storage().LatestSamples(matchers, end, end - start);
    REQUIRE(latest.ok());
    REQUIRE(got.size() == want.size());
    REQUIRE(listed.size() == want.size());
    REQUIRE(latest->size() == want_latest.size());
    for (size_t i = 0; i < want.size(); ++i) {
      CHECK(got[i].labels == want[i].labels);
      CHECK(listed[i] == want[i].labels);
      CHECK((*latest)[i].labels == want[i].labels);
      REQUIRE(got[i].samples.size() == want[i].samples.size());
      for (size_t j = 0; j < want[i].samples.size(); ++j) {
        CHECK(got[i].samples[j].ts_ms == want[i].samples[j].ts_ms);
        CHECK(got[i].samples[j].value == want[i].samples[j].value);
      }
      REQUIRE((*latest)[i].samples.size() == 1);
      CHECK((*latest)[i].samples[0].ts_ms == want_latest[i].samples[0].ts_ms);
      CHECK((*latest)[i].samples[0].value == want_latest[i].samples[0].value);
    }
  }
}

#ifndef HIVEWATCH_CLICKHOUSE_TESTS
// ---- SQLite-specific ------------------------------------------------------------------------

TEST_CASE("OpenStorage refuses an unknown backend and names the available ones",
          "[storage][sqlite]") {
  StorageOptions options;
  options.backend = "rocksdb";
  auto storage = OpenStorage(options);
  REQUIRE_FALSE(storage.ok());
  CHECK(storage.status().code() == StatusCode::kInvalidArgument);
  CHECK(storage.status().message() ==
        "unknown storage backend 'rocksdb' (available: sqlite, clickhouse)");
}

TEST_CASE("the SQLite backend keeps one WAL-mode database in data_dir, creating it",
          "[storage][sqlite]") {
  TempDir dir;
  StorageOptions options;
  options.data_dir = dir.path() + "/nested/data";
  auto storage = OpenStorage(options);
  REQUIRE(storage.ok());
  AppendNew(**storage, MakeBatch("h", "b1", {Log(kBase, "hello")}));

  const std::string path = options.data_dir + "/hivewatch.db";
  REQUIRE(fs::exists(path));
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK);
  sqlite3_stmt* stmt = nullptr;
  REQUIRE(sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &stmt, nullptr) == SQLITE_OK);
  REQUIRE(sqlite3_step(stmt) == SQLITE_ROW);
  CHECK(std::string(reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0))) == "wal");
  sqlite3_finalize(stmt);
  REQUIRE(sqlite3_prepare_v2(db, "SELECT count(*) FROM logs", -1, &stmt, nullptr) == SQLITE_OK);
  REQUIRE(sqlite3_step(stmt) == SQLITE_ROW);
  CHECK(sqlite3_column_int(stmt, 0) == 1);
  sqlite3_finalize(stmt);
  sqlite3_close(db);

  // Closing checkpoints the WAL into the database file.
  storage->reset();
  CHECK_FALSE(fs::exists(path + "-wal"));
}

TEST_CASE("the SQLite backend reports a data_dir it cannot use", "[storage][sqlite]") {
  TempDir dir;
  const std::string file = dir.path() + "/not-a-dir";
  std::ofstream(file) << "x";
  StorageOptions options;
  options.data_dir = file;
  auto storage = OpenStorage(options);
  REQUIRE_FALSE(storage.ok());
  CHECK_THAT(storage.status().message(), Catch::Contains(file));

  options.data_dir = "";
  CHECK_FALSE(OpenStorage(options).ok());

  if (geteuid() != 0) {  // root may write anywhere
    const std::string locked = dir.path() + "/locked";
    fs::create_directory(locked);
    fs::permissions(locked, fs::perms::owner_read | fs::perms::owner_exec);
    options.data_dir = locked;
    auto refused = OpenStorage(options);
    REQUIRE_FALSE(refused.ok());
    CHECK_THAT(refused.status().message(), Catch::Contains("not writable"));
    fs::permissions(locked, fs::perms::owner_all);
  }
}

TEST_CASE("a failing batch is rolled back alone while batches committed with it are kept",
          "[storage][sqlite]") {
  TempDir dir;
  StorageOptions options;
  options.data_dir = dir.path();
  options.synchronous_full = false;
  options.max_batch_wait_ms = 200;  // gather the three concurrent batches into one commit
  SqliteTuning tuning;
  tuning.max_value_bytes = 100000;
  auto opened = SqliteStorage::Open(options, tuning);
  REQUIRE(opened.ok());
  SqliteStorage& storage = **opened;

  const Batch good1 = MakeBatch("good-1", "g", {Log(kBase, "first good"), Log(kBase, "more")});
  const Batch bad = MakeBatch(
      "bad", "x",
      {Log(kBase, "fits"), Log(kBase, std::string(200000, 'x')), Log(kBase, "after the big one")});
  const Batch good2 = MakeBatch("good-2", "g", {Log(kBase, "second good")});
  std::vector<Result<AppendResult>> results(3, Status(StatusCode::kInternal, "not run"));
  const Batch* batches[] = {&good1, &bad, &good2};
  RunConcurrently(3, [&](int i) { results[i] = storage.Append(*batches[i], kBase); });

  REQUIRE(results[0].ok());
  REQUIRE(results[2].ok());
  REQUIRE_FALSE(results[1].ok());
  CHECK(results[1].status().code() == StatusCode::kTooLarge);
  auto good = Messages(QueryAll(storage, TextQuery("good")));
  std::sort(good.begin(), good.end());  // same ts: their order depends on arrival
  CHECK(good == std::vector<std::string>{"first good", "second good"});
  CHECK(QueryAll(storage, LogQuery{}).size() == 3);
  CHECK(QueryAll(storage, TextQuery("fits")).empty());
  auto hosts = storage.ListHosts();
  REQUIRE(hosts.ok());
  CHECK(hosts->size() == 2);  // the failed batch left no trace in the registry
  CHECK(storage.Ready());

  auto stats = storage.Stats();
  REQUIRE(stats.ok());
  CHECK(stats->log_lines == 3);  // the running totals saw the rollback too
  CHECK(stats->hosts == 2);

  // Its id was rolled back too: a fixed retry is stored, not reported as a duplicate.
  Batch fixed = bad;
  fixed.logs[1].message = "small now";
  AppendNew(storage, fixed);
  CHECK(QueryAll(storage, LogQuery{}).size() == 6);
  stats = storage.Stats();
  REQUIRE(stats.ok());
  CHECK(stats->log_lines == 6);
  CHECK(stats->hosts == 3);
}

TEST_CASE("a duplicate in the same group commit as its original stores nothing",
          "[storage][sqlite]") {
  TempDir dir;
  StorageOptions options;
  options.data_dir = dir.path();
  options.synchronous_full = false;
  options.max_batch_wait_ms = 200;  // all six appends land in one transaction
  auto opened = OpenStorage(options);
  REQUIRE(opened.ok());
  Storage& storage = **opened;
  const Batch batch = MakeBatch("h", "same", {Log(kBase, "one"), Log(kBase, "two")});
  const Batch other = MakeBatch("h", "other", {Log(kBase, "three")});
  std::atomic<int> stored{0}, duplicates{0}, failed{0};
  RunConcurrently(6, [&](int i) {
    auto result = storage.Append(i == 5 ? other : batch, kBase);
    if (!result.ok()) {
      ++failed;
    } else {
      (result->duplicate ? duplicates : stored)++;
    }
  });
  CHECK(failed == 0);
  CHECK(stored == 2);
  CHECK(duplicates == 4);
  CHECK(QueryAll(storage, LogQuery{}).size() == 3);
  auto hosts = storage.ListHosts();
  REQUIRE(hosts.ok());
  REQUIRE(hosts->size() == 1);
  CHECK((*hosts)[0].batches == 2);
}

namespace {

// Records every commit the storage reports.
class RecordingObserver : public StorageObserver {
 public:
  void OnCommit(const CommitInfo& info) override {
    std::lock_guard<std::mutex> lock(mu_);
    commits_.push_back(info);
  }
  std::vector<CommitInfo> commits() {
    std::lock_guard<std::mutex> lock(mu_);
    return commits_;
  }

 private:
  std::mutex mu_;
  std::vector<CommitInfo> commits_;
};

}  // namespace

TEST_CASE("the storage observer hears of every commit and the batches in it",
          "[storage][sqlite]") {
  TempDir dir;
  RecordingObserver observer;
  StorageOptions options;
  options.data_dir = dir.path();
  options.synchronous_full = false;
  options.max_batch_wait_ms = 200;  // the three concurrent appends share one commit
  options.observer = &observer;
  auto opened = OpenStorage(options);
  REQUIRE(opened.ok());
  Storage& storage = **opened;
  AppendNew(storage, MakeBatch("h", "alone", {Log(kBase, "one")}));
  REQUIRE(observer.commits().size() == 1);
  CHECK(observer.commits()[0].batches == 1);
  CHECK(observer.commits()[0].ok);
  CHECK(observer.commits()[0].seconds > 0);

  RunConcurrently(3, [&](int i) {
    AppendNew(storage, MakeBatch("h", "together-" + std::to_string(i), {Log(kBase, "x")}));
  });
  const std::vector<CommitInfo> commits = observer.commits();
  int batches = 0;
  for (const CommitInfo& c : commits) {
    batches += c.batches;
    CHECK(c.ok);
  }
  CHECK(batches == 4);
  CHECK(commits.size() >= 2);
}

#endif  // HIVEWATCH_CLICKHOUSE_TESTS

}  // namespace hivewatch
