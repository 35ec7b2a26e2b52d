// RateLimiter with an injected clock: the burst, the refill rate, Retry-After and per-key
// buckets.
#include "collector/http/rate_limiter.h"

#include <catch2/catch.hpp>

using namespace hivewatch;

TEST_CASE("a full bucket lets the burst through, then refuses with the wait", "[rate]") {
  int64_t now = 1000000;
  RateLimiter limiter(/*rate=*/2, /*burst=*/3, [&] { return now; });
  CHECK_FALSE(limiter.Acquire(1));
  CHECK_FALSE(limiter.Acquire(1));
  CHECK_FALSE(limiter.Acquire(1));
  std::optional<int> wait = limiter.Acquire(1);
  REQUIRE(wait);
  CHECK(*wait == 1);  // half a second to the next request, rounded up to whole seconds
  now += 499;
  CHECK(limiter.Acquire(1));
  now += 1;  // 500 ms at 2 a second: one request again, not two
  CHECK_FALSE(limiter.Acquire(1));
  CHECK(limiter.Acquire(1));
}

TEST_CASE("Retry-After grows with a slow rate", "[rate]") {
  int64_t now = 0;
  RateLimiter limiter(/*rate=*/0.1, /*burst=*/1, [&] { return now; });
  CHECK_FALSE(limiter.Acquire(7));
  std::optional<int> wait = limiter.Acquire(7);
  REQUIRE(wait);
  CHECK(*wait == 10);
  now += 4000;
  wait = limiter.Acquire(7);
  REQUIRE(wait);
  CHECK(*wait == 6);
}

TEST_CASE("each key has its own bucket, and an idle bucket refills only up to the burst",
          "[rate]") {
  int64_t now = 0;
  RateLimiter limiter(/*rate=*/1, /*burst=*/2, [&] { return now; });
  CHECK_FALSE(limiter.Acquire(1));
  CHECK_FALSE(limiter.Acquire(1));
  CHECK(limiter.Acquire(1));
  CHECK_FALSE(limiter.Acquire(2));  // another token is not affected
  now += 3600 * 1000;               // an hour idle: still only `burst` at once
  CHECK_FALSE(limiter.Acquire(1));
  CHECK_FALSE(limiter.Acquire(1));
  CHECK(limiter.Acquire(1));
}

TEST_CASE("with many callers, forgetting the refilled buckets changes no answer", "[rate]") {
  int64_t now = 0;
  RateLimiter limiter(/*rate=*/1, /*burst=*/1, [&] { return now; });
  for (size_t key = 0; key < 5000; ++key) CHECK_FALSE(limiter.Acquire(key));
  CHECK(limiter.Acquire(4999));
  now += 1000;  // every bucket has refilled: forgetting them changes nothing
  for (size_t key = 5000; key < 5010; ++key) CHECK_FALSE(limiter.Acquire(key));
  CHECK_FALSE(limiter.Acquire(0));
  CHECK(limiter.Acquire(0));
}
