#include "agent/ship/pusher.h"

#include <catch2/catch.hpp>

#include <stdexcept>
#include <string>
#include <vector>

#include "common/gzip.h"
#include "tests/agent/ship/fake_collector.h"
#include "tests/support/refusing_port.h"

namespace hivewatch {
namespace {

using testing::FakeCollector;
using testing::ReceivedRequest;
using testing::RefusingPort;

const std::string kJson = R"({"agent":{"id":"a1"},"batch_id":"b1"})";

Pusher MakePusher(std::vector<std::string> urls) {
  return Pusher(PusherOptions{std::move(urls), "secret-token", 5000, ""});
}

TEST_CASE("pusher sends gzip JSON with the bearer token and 200 is ok", "[pusher]") {
  FakeCollector collector(200, R"({"accepted":3})");
  Pusher pusher = MakePusher({collector.url() + "/"});
  PushOutcome outcome = pusher.Push(Gzip(kJson));
  CHECK(outcome.decision == PushDecision::kOk);
  CHECK(outcome.status.ok());
  CHECK(outcome.http_status == 200);
  CHECK_FALSE(outcome.duplicate);

  auto requests = collector.requests();
  REQUIRE(requests.size() == 1);
  const ReceivedRequest& req = requests[0];
  CHECK(req.method == "POST");
  CHECK(req.target == "/api/v1/push");
  CHECK(req.headers.at("content-encoding") == "gzip");
  CHECK(req.headers.at("content-type") == "application/json");
  CHECK(req.headers.at("authorization") == "Bearer secret-token");
  auto body = Gunzip(req.body, 1 << 20);
  REQUIRE(body.ok());
  CHECK(*body == kJson);
}

TEST_CASE("pusher reports a duplicate batch as committed", "[pusher]") {
  FakeCollector collector(200, R"({"accepted":0,"duplicate":true})");
  PushOutcome outcome = MakePusher({collector.url()}).Push(Gzip(kJson));
  CHECK(outcome.decision == PushDecision::kOk);
  CHECK(outcome.duplicate);
}

TEST_CASE("pusher fails over to the next URL after a 503", "[pusher]") {
  FakeCollector down(503, R"({"error":"storage busy"})", "Retry-After: 7\r\n");
  FakeCollector up(200, "{}");
  Pusher pusher = MakePusher({down.url(), up.url()});
  PushOutcome outcome = pusher.Push(Gzip(kJson));
  CHECK(outcome.decision == PushDecision::kOk);
  CHECK(outcome.url == up.url() + "/api/v1/push");
  CHECK(down.requests().size() == 1);
  CHECK(up.requests().size() == 1);
}

TEST_CASE("pusher retries when every URL answers 503, with Retry-After", "[pusher]") {
  FakeCollector a(503, R"({"error":"storage busy"})", "Retry-After: 7\r\n");
  FakeCollector b(429, R"({"error":"slow down"})", "Retry-After: 3\r\n");
  PushOutcome outcome = MakePusher({a.url(), b.url()}).Push(Gzip(kJson));
  CHECK(outcome.decision == PushDecision::kRetry);
  CHECK(outcome.status.code() == StatusCode::kUnavailable);
  CHECK(outcome.http_status == 429);
  CHECK(outcome.retry_after == std::chrono::seconds(7));
  CHECK_THAT(outcome.message, Catch::Contains("storage busy") && Catch::Contains("slow down"));
}

TEST_CASE("pusher drops on 400 with the collector's error in the message", "[pusher]") {
  FakeCollector bad(400, R"({"error":"logs[3].ts: expected integer"})");
  FakeCollector other(200, "{}");
  PushOutcome outcome = MakePusher({bad.url(), other.url()}).Push(Gzip(kJson));
  CHECK(outcome.decision == PushDecision::kDrop);
  CHECK(outcome.http_status == 400);
  CHECK_FALSE(outcome.status.ok());
  CHECK_THAT(outcome.message, Catch::Contains("logs[3].ts: expected integer"));
  // A rejected batch would be rejected anywhere: no failover.
  CHECK(other.requests().empty());
}

TEST_CASE("pusher retries a refused connection and fails over past it", "[pusher]") {
  RefusingPort refusing;
  const std::string refused_url = "http://127.0.0.1:" + std::to_string(refusing.port());

  PushOutcome alone = MakePusher({refused_url}).Push(Gzip(kJson));
  CHECK(alone.decision == PushDecision::kRetry);
  CHECK(alone.http_status == 0);
  CHECK(alone.status.code() == StatusCode::kUnavailable);
  CHECK_FALSE(alone.retry_after.has_value());

  FakeCollector up(200, "{}");
  PushOutcome failover = MakePusher({refused_url, up.url()}).Push(Gzip(kJson));
  CHECK(failover.decision == PushDecision::kOk);
  CHECK(up.requests().size() == 1);
}

TEST_CASE("pusher without URLs is a setup error", "[pusher]") {
  CHECK_THROWS_AS(Pusher(PusherOptions{{}, "t", 1000, ""}), std::invalid_argument);
}

}  // namespace
}  // namespace hivewatch
