#include "agent/ship/shipper.h"

#include <catch2/catch.hpp>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <vector>

#include "common/gzip.h"
#include "tests/agent/ship/fake_collector.h"
#include "tests/support/temp_dir.h"

namespace hivewatch {
namespace {

using std::chrono::milliseconds;
using testing::FakeCollector;
using testing::TempDir;
using Clock = std::chrono::steady_clock;

// Records on_acked calls and lets the test wait for them.
class AckLog {
 public:
  void Add(const std::string& id) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      ids_.push_back(id);
    }
    cv_.notify_all();
  }
  bool WaitFor(size_t n) {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_until(lock, Clock::now() + std::chrono::seconds(20),
                          [&] { return ids_.size() >= n; });
  }
  std::vector<std::string> ids() {
    std::lock_guard<std::mutex> lock(mu_);
    return ids_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::string> ids_;
};

struct Fixture {
  TempDir tmp;
  std::unique_ptr<Spool> spool;
  AckLog acks;

  Fixture() {
    SpoolOptions options;
    options.dir = tmp.path();
    auto opened = Spool::Open(options);
    REQUIRE(opened.ok());
    spool = std::move(opened).value();
  }
  void Append(int i) {
    REQUIRE(spool->Append("b" + std::to_string(i), Gzip("{\"n\":" + std::to_string(i) + "}")).ok());
  }
  ShipperOptions Options(const std::string& url, milliseconds backoff) {
    ShipperOptions options;
    options.pusher = PusherOptions{{url}, "tok", 5000, ""};
    options.backoff = BackoffOptions{backoff, backoff, backoff};
    options.on_acked = [this](const SpoolRecord& r) { acks.Add(r.batch_id); };
    return options;
  }
};

TEST_CASE("shipper pushes spooled batches in order and acks each after commit", "[shipper]") {
  Fixture f;
  FakeCollector collector(200, "{}");
  f.Append(0);
  Shipper shipper(*f.spool, f.Options(collector.url(), milliseconds(1)));
  shipper.Start();
  f.Append(1);
  f.Append(2);
  REQUIRE(f.acks.WaitFor(3));
  shipper.Stop(Clock::now());
  CHECK(f.acks.ids() == std::vector<std::string>{"b0", "b1", "b2"});
  CHECK(shipper.shipped() == 3);
  CHECK_FALSE(f.spool->Peek()->has_value());
  auto requests = collector.requests();
  REQUIRE(requests.size() == 3);
  CHECK(*Gunzip(requests[2].body, 1024) == "{\"n\":2}");
}

TEST_CASE("shipper drops a rejected batch and moves on", "[shipper]") {
  Fixture f;
  FakeCollector collector(400, R"({"error":"bad batch"})");
  f.Append(0);
  f.Append(1);
  Shipper shipper(*f.spool, f.Options(collector.url(), milliseconds(1)));
  shipper.Start();
  REQUIRE(f.acks.WaitFor(2));
  shipper.Stop(Clock::now());
  CHECK(shipper.rejected() == 2);
  CHECK(shipper.shipped() == 0);
  CHECK_FALSE(f.spool->Peek()->has_value());
}

TEST_CASE("shipper retries the same batch until the collector recovers", "[shipper]") {
  Fixture f;
  FakeCollector collector(503, R"({"error":"busy"})");
  f.Append(0);
  Shipper shipper(*f.spool, f.Options(collector.url(), milliseconds(1)));
  shipper.Start();
  REQUIRE(collector.WaitForRequests(3, Clock::now() + std::chrono::seconds(20)));
  CHECK(f.acks.ids().empty());
  collector.set_status(200);
  REQUIRE(f.acks.WaitFor(1));
  shipper.Stop(Clock::now());
  CHECK(f.acks.ids() == std::vector<std::string>{"b0"});
  // The third request may already get the 200: the collector records before it answers.
  CHECK(shipper.retries() >= 2);
  for (const auto& r : collector.requests()) CHECK(*Gunzip(r.body, 1024) == "{\"n\":0}");
}

TEST_CASE("Stop ends a long backoff wait and keeps the batch spooled", "[shipper]") {
  Fixture f;
  FakeCollector collector(503, "{}");
  f.Append(0);
  Shipper shipper(*f.spool, f.Options(collector.url(), milliseconds(3600 * 1000)));
  shipper.Start();
  REQUIRE(collector.WaitForRequests(1, Clock::now() + std::chrono::seconds(20)));
  auto before = Clock::now();
  shipper.Stop(Clock::now());
  CHECK(Clock::now() - before < std::chrono::seconds(10));
  CHECK(collector.requests().size() == 1);
  auto head = f.spool->Peek();
  REQUIRE(head->has_value());
  CHECK((*head)->batch_id == "b0");
}

TEST_CASE("Stop flushes what the spool holds before its deadline", "[shipper]") {
  Fixture f;
  FakeCollector collector(200, "{}");
  for (int i = 0; i < 5; ++i) f.Append(i);
  Shipper shipper(*f.spool, f.Options(collector.url(), milliseconds(1)));
  shipper.Start();
  shipper.Stop(Clock::now() + std::chrono::seconds(20));
  CHECK(f.acks.ids().size() == 5);
  CHECK_FALSE(f.spool->Peek()->has_value());
}

}  // namespace
}  // namespace hivewatch
