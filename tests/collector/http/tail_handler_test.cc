// HandleLogsTail (GET /api/v1/logs/tail) and HandleLogsHistogram (GET /api/v1/logs/histogram) on
// a real SQLite store: where a tail starts, what it returns, that a waiting request is answered
// by a push rather than by its timeout, and the histogram's buckets.
#include <catch2/catch.hpp>
#include <future>
#include <initializer_list>
#include <nlohmann/json.hpp>
#include <utility>

#include "collector/http/handlers.h"
#include "collector/http/log_notifier.h"
#include "tests/support/temp_dir.h"

using namespace hivewatch;
using nlohmann::json;

namespace {

constexpr int64_t kTs = 1763900000000;

struct Fixture {
  explicit Fixture(int max_waiters = 4) : notifier(max_waiters) {
    StorageOptions options;
    options.data_dir = dir.path();
    options.synchronous_full = false;
    auto opened = OpenStorage(options);
    REQUIRE(opened.ok());
    storage = std::move(*opened);
    ctx.storage = storage.get();
    ctx.config = &config;
    ctx.log_notifier = &notifier;
  }

  // Pushes one batch of `messages` (service "app", level info unless "ERROR" is in it) through
  // the push handler, as a client would.
  void Push(const std::string& batch_id, std::initializer_list<std::string> messages) {
    json logs = json::array();
    for (const std::string& m : messages) {
      logs.push_back({{"ts", kTs},
                      {"service", "app"},
                      {"level", m.find("ERROR") != std::string::npos ? "error" : "info"},
                      {"message", m}});
    }
    HttpRequest r;
    r.method = "POST";
    r.target = r.path = "/api/v1/push";
    r.body =
        json{{"agent", {{"host", "web1"}, {"id", "a1"}}}, {"batch_id", batch_id}, {"logs", logs}}
            .dump();
    REQUIRE(HandlePush(r, ctx).status == 200);
  }

  testing::TempDir dir;
  std::unique_ptr<Storage> storage;
  CollectorConfig config;
  LogNotifier notifier;
  HandlerContext ctx;
};

HttpRequest Tail(std::initializer_list<std::pair<std::string, std::string>> params) {
  HttpRequest r;
  r.method = "GET";
  r.target = r.path = "/api/v1/logs/tail";
  for (const auto& [k, v] : params) r.query.emplace(k, v);
  return r;
}

std::vector<std::string> Messages(const json& body) {
  std::vector<std::string> out;
  for (const json& log : body["logs"]) out.push_back(log["message"]);
  return out;
}

using HandlerFn = HttpResponse (*)(const HttpRequest&, const HandlerContext&);

std::string Error400(const HttpRequest& request, const HandlerContext& ctx,
                     HandlerFn handler = HandleLogsTail) {
  try {
    (void)handler(request, ctx);
  } catch (const HttpError& e) {
    CHECK(e.status() == 400);
    return e.what();
  }
  FAIL("expected HttpError(400)");
  return "";
}

}  // namespace

TEST_CASE("a tail without after_id starts at the newest record and answers at once", "[tail]") {
  Fixture f;
  json empty = json::parse(HandleLogsTail(Tail({{"wait", "60"}}), f.ctx).body);
  CHECK(empty["logs"].empty());
  CHECK(empty["last_id"] == 0);

  f.Push("b1", {"old one", "old two"});
  HttpResponse r = HandleLogsTail(Tail({{"wait", "60"}}), f.ctx);
  CHECK(r.status == 200);
  CHECK(r.content_type == "application/json");
  json body = json::parse(r.body);
  CHECK(body["logs"].empty());
  CHECK(body["last_id"] == 2);
}

TEST_CASE("a tail returns the records after after_id oldest first, filtered", "[tail]") {
  Fixture f;
  f.Push("b1", {"first", "second ERROR", "third"});
  json all = json::parse(HandleLogsTail(Tail({{"after_id", "0"}}), f.ctx).body);
  CHECK(Messages(all) == std::vector<std::string>{"first", "second ERROR", "third"});
  CHECK(all["last_id"] == 3);
  const json& rec = all["logs"][1];
  CHECK(rec["host"] == "web1");
  CHECK(rec["service"] == "app");
  CHECK(rec["level"] == "error");
  CHECK(rec["ts"] == kTs);
  CHECK(rec["time"] == "2025-11-23T12:13:20.000Z");

  json after = json::parse(HandleLogsTail(Tail({{"after_id", "1"}, {"limit", "1"}}), f.ctx).body);
  CHECK(Messages(after) == std::vector<std::string>{"second ERROR"});
  CHECK(after["last_id"] == 2);

  json errors =
      json::parse(HandleLogsTail(Tail({{"after_id", "0"}, {"level", "err"}}), f.ctx).body);
  CHECK(Messages(errors) == std::vector<std::string>{"second ERROR"});
  json words = json::parse(HandleLogsTail(Tail({{"after_id", "0"}, {"q", "thi*"}}), f.ctx).body);
  CHECK(Messages(words) == std::vector<std::string>{"third"});
}

TEST_CASE("a waiting tail is answered by the push of a matching line", "[tail]") {
  Fixture f;
  f.Push("b1", {"before"});
  // wait=60: if the push did not wake it, the answer would come after a minute and be empty.
  auto waiting = std::async(std::launch::async, [&] {
    return HandleLogsTail(Tail({{"after_id", "1"}, {"wait", "60"}, {"q", "wanted"}}), f.ctx);
  });
  f.Push("b2", {"not this one"});
  f.Push("b3", {"the wanted line"});
  json body = json::parse(waiting.get().body);
  CHECK(Messages(body) == std::vector<std::string>{"the wanted line"});
  CHECK(body["last_id"] == 3);
}

TEST_CASE("a tail with nothing new answers empty after wait, or at once when closed", "[tail]") {
  Fixture f;
  f.Push("b1", {"only"});
  json none = json::parse(HandleLogsTail(Tail({{"after_id", "1"}, {"wait", "0"}}), f.ctx).body);
  CHECK(none["logs"].empty());
  CHECK(none["last_id"] == 1);

  auto waiting = std::async(std::launch::async, [&] {
    return HandleLogsTail(Tail({{"after_id", "1"}, {"wait", "60"}}), f.ctx);
  });
  f.notifier.Close();  // what the collector does when it stops
  CHECK(json::parse(waiting.get().body)["logs"].empty());
}

TEST_CASE("tails beyond the notifier's waiter limit answer without waiting", "[tail]") {
  Fixture f(/*max_waiters=*/0);
  f.Push("b1", {"only"});
  json none = json::parse(HandleLogsTail(Tail({{"after_id", "1"}, {"wait", "60"}}), f.ctx).body);
  CHECK(none["logs"].empty());
  CHECK(none["last_id"] == 1);
}

TEST_CASE("bad tail parameters are a 400 naming the parameter", "[tail]") {
  Fixture f;
  CHECK(Error400(Tail({{"cursor", "x"}}), f.ctx) ==
        "unknown parameter 'cursor' (expected q, host, service, level, after_id, limit, wait)");
  CHECK(Error400(Tail({{"wait", "61"}}), f.ctx) == "wait: must be an integer from 0 to 60");
  CHECK(Error400(Tail({{"after_id", "-1"}}), f.ctx) ==
        "after_id: must be an integer from 0 to 9223372036854775807");
  CHECK(Error400(Tail({{"limit", "0"}}), f.ctx) == "limit: must be an integer from 1 to 10000");
  CHECK(Error400(Tail({{"level", "loud"}}), f.ctx) ==
        "level: unknown level 'loud' (expected trace, debug, info, notice, warning, error, "
        "critical)");
  CHECK(Error400(Tail({{"q", "\"open"}}), f.ctx).find("unterminated quote") != std::string::npos);
}

TEST_CASE("the histogram counts matching records per bucket and level in dense arrays",
          "[histogram]") {
  Fixture f;
  f.Push("b1", {"alpha", "beta ERROR", "gamma"});  // all at kTs
  const std::string start = std::to_string(kTs - 30000), end = std::to_string(kTs + 30000);
  HttpRequest r = Tail({{"start", start}, {"end", end}, {"buckets", "6"}});
  r.path = "/api/v1/logs/histogram";
  json body = json::parse(HandleLogsHistogram(r, f.ctx).body);
  CHECK(body["start"] == kTs - 30000);
  CHECK(body["end"] == kTs + 30000);
  CHECK(body["step_ms"] == 10000);
  CHECK(body["buckets"] == 6);
  CHECK(body["total"] == 3);
  CHECK(body["levels"]["info"] == json::array({0, 0, 0, 2, 0, 0}));
  CHECK(body["levels"]["error"] == json::array({0, 0, 0, 1, 0, 0}));
  CHECK_FALSE(body["levels"].contains("warning"));

  r.query.emplace("q", "alpha");
  body = json::parse(HandleLogsHistogram(r, f.ctx).body);
  CHECK(body["total"] == 1);
  CHECK(body["levels"] == json{{"info", {0, 0, 0, 1, 0, 0}}});

  // An uneven span: 7 buckets of ceil(60000 / 7) ms cover it.
  r.query = {{"start", start}, {"end", end}, {"buckets", "7"}};
  body = json::parse(HandleLogsHistogram(r, f.ctx).body);
  CHECK(body["step_ms"] == 8572);
  CHECK(body["buckets"] == 7);

  r.query = {{"start", end}, {"end", start}};
  CHECK(Error400(r, f.ctx, HandleLogsHistogram) == "start must be before end");
  r.query = {{"buckets", "1001"}};
  CHECK(Error400(r, f.ctx, HandleLogsHistogram) == "buckets: must be an integer from 1 to 1000");
  r.query = {{"limit", "5"}};
  CHECK(Error400(r, f.ctx, HandleLogsHistogram) ==
        "unknown parameter 'limit' (expected q, host, service, level, start, end, buckets)");
}
