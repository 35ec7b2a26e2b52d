// QueryLimiter: concurrency refusals with Retry-After, the deadline a query sees, and timeouts
// answered in both error shapes.
#include "collector/http/query_limiter.h"

#include <catch2/catch.hpp>
#include <chrono>
#include <future>
#include <nlohmann/json.hpp>
#include <thread>

#include "common/deadline.h"

using namespace hivewatch;

namespace {

std::string HeaderOf(const HttpResponse& r, const std::string& name) {
  for (const auto& [k, v] : r.headers) {
    if (k == name) return v;
  }
  return "";
}

}  // namespace

// Spins until `condition` holds (fails the test after 10 s).
template <typename Fn>
void Await(Fn condition) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!condition()) {
    REQUIRE(std::chrono::steady_clock::now() < deadline);
    std::this_thread::yield();
  }
}

// A query that holds its slot, on its own thread, until Finish.
class BusyQuery {
 public:
  explicit BusyQuery(QueryLimiter& limiter) {
    thread_ = std::thread([this, &limiter, released = release_.get_future().share()] {
      limiter.Run(
          [&] {
            started_.set_value();
            released.wait();
            return HttpResponse::Json("{}");
          },
          false);
    });
    started_.get_future().wait();
  }
  ~BusyQuery() { Finish(); }
  void Finish() {
    if (!thread_.joinable()) return;
    release_.set_value();
    thread_.join();
  }

 private:
  std::promise<void> started_, release_;
  std::thread thread_;
};

TEST_CASE("a query over max_concurrent is refused with 503 and Retry-After", "[query-limits]") {
  QueryLimiter limiter(/*max_concurrent=*/1, /*timeout_ms=*/60000, /*max_wait_ms=*/0);
  BusyQuery busy(limiter);
  CHECK(limiter.running() == 1);
  try {
    limiter.Run([] { return HttpResponse::Json("{}"); }, false);
    FAIL("not refused");
  } catch (const HttpError& e) {
    CHECK(e.status() == 503);
    CHECK_THAT(e.what(), Catch::Contains("query.max_concurrent = 1"));
    REQUIRE(e.headers().size() == 1);
    CHECK(e.headers()[0].first == "Retry-After");
    CHECK(e.headers()[0].second == "1");
  }
  HttpResponse prom = limiter.Run([] { return HttpResponse::Json("{}"); }, true);
  CHECK(prom.status == 503);
  CHECK(nlohmann::json::parse(prom.body)["errorType"] == "unavailable");
  CHECK(HeaderOf(prom, "Retry-After") == "1");
  busy.Finish();
  CHECK(limiter.running() == 0);
  CHECK(limiter.Run([] { return HttpResponse::Json("ok"); }, false).body == "ok");
}

TEST_CASE("a query waits for a slot, as many may wait as run, more are refused at once",
          "[query-limits]") {
  QueryLimiter limiter(/*max_concurrent=*/1, /*timeout_ms=*/60000, /*max_wait_ms=*/60000);
  BusyQuery busy(limiter);
  std::string waited_answer;
  std::thread waiter([&] {
    waited_answer = limiter.Run([] { return HttpResponse::Json("waited"); }, false).body;
  });
  Await([&] { return limiter.waiting() == 1; });
  // A second waiter would make two: refused without waiting (else this would take a minute).
  CHECK_THROWS_AS(limiter.Run([] { return HttpResponse::Json("{}"); }, false), HttpError);
  busy.Finish();
  waiter.join();
  CHECK(waited_answer == "waited");
  CHECK(limiter.running() == 0);
  CHECK(limiter.waiting() == 0);
}

TEST_CASE("a query sees its deadline, and a failure after it is a timeout", "[query-limits]") {
  QueryLimiter limiter(4, /*timeout_ms=*/20);
  CHECK_FALSE(DeadlinePassed());  // outside a query there is none
  // Storage gives up once the deadline passes (as SQLite's progress handler does).
  auto stalled_storage = [] {
    while (!DeadlinePassed()) std::this_thread::yield();
    return HttpResponse::Json(R"({"error":"storage: interrupted"})", 500);
  };
  HttpResponse prom = limiter.Run(stalled_storage, true);
  CHECK(prom.status == 503);
  nlohmann::json body = nlohmann::json::parse(prom.body);
  CHECK(body["status"] == "error");
  CHECK(body["errorType"] == "timeout");
  CHECK_THAT(body["error"].get<std::string>(),
             Catch::Contains("longer than 20 ms (query.timeout)"));
  try {
    limiter.Run(
        [&]() -> HttpResponse {
          stalled_storage();
          throw HttpError(500, "storage: interrupted");
        },
        false);
    FAIL("not refused");
  } catch (const HttpError& e) {
    CHECK(e.status() == 503);
    CHECK_THAT(e.what(), Catch::Contains("(query.timeout)"));
  }
  CHECK_FALSE(DeadlinePassed());  // the deadline ended with the query
  CHECK(limiter.running() == 0);
}

TEST_CASE("errors within the deadline pass through unchanged", "[query-limits]") {
  QueryLimiter limiter(4, 60000);
  HttpResponse r = limiter.Run([] { return HttpResponse::Json(R"({"error":"x"})", 503); }, true);
  CHECK(r.status == 503);
  CHECK(r.body == R"({"error":"x"})");
  try {
    limiter.Run([]() -> HttpResponse { throw HttpError(400, "q: bad"); }, false);
    FAIL("no error");
  } catch (const HttpError& e) {
    CHECK(e.status() == 400);
    CHECK(std::string(e.what()) == "q: bad");
  }
  CHECK(limiter.running() == 0);
}
