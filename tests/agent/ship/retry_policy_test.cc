#include "agent/ship/retry_policy.h"

#include <catch2/catch.hpp>

#include <vector>

namespace hivewatch {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

TEST_CASE("push statuses classify into ok, retry and drop", "[retry]") {
  for (long s : {200L, 201L, 202L, 204L, 299L}) CHECK(ClassifyHttpStatus(s) == PushDecision::kOk);
  for (long s : {408L, 429L, 500L, 502L, 503L, 504L, 599L}) {
    CHECK(ClassifyHttpStatus(s) == PushDecision::kRetry);
  }
  for (long s : {400L, 401L, 403L, 404L, 413L, 415L, 422L, 499L, 301L, 100L}) {
    CHECK(ClassifyHttpStatus(s) == PushDecision::kDrop);
  }
  CHECK(ClassifyTransportFailure() == PushDecision::kRetry);
  CHECK(std::string(PushDecisionName(PushDecision::kDrop)) == "drop");
}

TEST_CASE("Retry-After is read in delta-seconds and anything else is ignored", "[retry]") {
  CHECK(ParseRetryAfter("120") == seconds(120));
  CHECK(ParseRetryAfter(" 7 ") == seconds(7));
  CHECK(ParseRetryAfter("0") == seconds(0));
  CHECK_FALSE(ParseRetryAfter("").has_value());
  CHECK_FALSE(ParseRetryAfter("-5").has_value());
  CHECK_FALSE(ParseRetryAfter("1.5").has_value());
  CHECK_FALSE(ParseRetryAfter("Wed, 21 Oct 2015 07:28:00 GMT").has_value());
  CHECK_FALSE(ParseRetryAfter("99999999999999999999").has_value());
}

TEST_CASE("backoff ceilings double from initial up to max", "[retry]") {
  // With random = just below 1 every delay sits at its ceiling; with 0, at the floor.
  Backoff top({milliseconds(1000), milliseconds(60000), milliseconds(100)},
              [] { return 0.999999; });
  std::vector<long long> ceilings;
  for (int i = 0; i < 9; ++i) ceilings.push_back(top.Next().count());
  CHECK(ceilings ==
        std::vector<long long>{999, 1999, 3999, 7999, 15999, 31999, 59999, 59999, 59999});
  CHECK(top.attempts() == 9);
  top.Reset();
  CHECK(top.Next() == milliseconds(999));

  Backoff bottom({}, [] { return 0.0; });
  for (int i = 0; i < 100; ++i) CHECK(bottom.Next() == milliseconds(100));
}

TEST_CASE("jittered delays stay within the floor and the current ceiling", "[retry]") {
  Backoff backoff;  // the real random source
  for (int round = 0; round < 3; ++round) {
    milliseconds ceiling(1000);
    for (int i = 0; i < 10; ++i) {
      milliseconds d = backoff.Next();
      CHECK(d >= milliseconds(100));
      CHECK(d <= ceiling);
      ceiling = std::min(ceiling * 2, milliseconds(60000));
    }
    backoff.Reset();
  }
  // Half-way random gives the middle of [floor, ceiling].
  Backoff half({milliseconds(1000), milliseconds(8000), milliseconds(0)}, [] { return 0.5; });
  CHECK(half.Next() == milliseconds(500));
  CHECK(half.Next() == milliseconds(1000));
  CHECK(half.Next() == milliseconds(2000));
}

TEST_CASE("Retry-After overrides the jitter, clamped to the floor and max", "[retry]") {
  Backoff backoff({milliseconds(1000), milliseconds(60000), milliseconds(100)}, [] { return 0.0; });
  CHECK(backoff.Next(seconds(5)) == milliseconds(5000));
  CHECK(backoff.Next(seconds(3600)) == milliseconds(60000));
  CHECK(backoff.Next(seconds(0)) == milliseconds(100));
  CHECK(backoff.attempts() == 3);
}

}  // namespace
}  // namespace hivewatch
