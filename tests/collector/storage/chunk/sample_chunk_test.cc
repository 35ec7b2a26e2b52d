#include "collector/storage/chunk/sample_chunk.h"

#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <vector>

#include <catch2/catch.hpp>

namespace hivewatch::chunk {
namespace {

uint64_t Bits(double v) {
  uint64_t b;
  std::memcpy(&b, &v, sizeof b);
  return b;
}

double FromBits(uint64_t b) {
  double v;
  std::memcpy(&v, &b, sizeof v);
  return v;
}

// Prometheus's staleness marker: a NaN with a particular payload.
const double kStaleNaN = FromBits(0x7ff0000000000002);

std::vector<Sample> RoundTrip(const std::vector<Sample>& in) {
  std::vector<Sample> out;
  REQUIRE(DecodeAll(Encode(in), &out).ok());
  return out;
}

void CheckSameBits(const std::vector<Sample>& got, const std::vector<Sample>& want) {
  REQUIRE(got.size() == want.size());
  for (size_t i = 0; i < want.size(); ++i) {
    INFO("sample " << i);
    CHECK(got[i].ts_ms == want[i].ts_ms);
    CHECK(Bits(got[i].value) == Bits(want[i].value));
  }
}

TEST_CASE("an empty chunk decodes to no samples and can be continued", "[chunk]") {
  const std::string empty = Encode({});
  CHECK(ChunkCount(empty) == 0);
  std::vector<Sample> out;
  REQUIRE(DecodeAll(empty, &out).ok());
  CHECK(out.empty());
  auto resumed = ChunkAppender::Resume(empty);
  REQUIRE(resumed.ok());
  resumed->Append(5, 1.5);
  CheckSameBits(RoundTrip({{5, 1.5}}), {{5, 1.5}});
  out.clear();
  REQUIRE(DecodeAll(resumed->Bytes(), &out).ok());
  CheckSameBits(out, {{5, 1.5}});
}

TEST_CASE("special values keep their exact bits: NaN, stale markers, infinities, -0", "[chunk]") {
  const std::vector<Sample> in = {
      {1000, 1.0},
      {2000, std::numeric_limits<double>::quiet_NaN()},
      {3000, kStaleNaN},
      {4000, std::numeric_limits<double>::infinity()},
      {5000, -std::numeric_limits<double>::infinity()},
      {6000, -0.0},
      {7000, 0.0},
      {8000, std::numeric_limits<double>::denorm_min()},
      {9000, std::numeric_limits<double>::max()},
      {10000, kStaleNaN},
      {11000, kStaleNaN},
  };
  const auto out = RoundTrip(in);
  CheckSameBits(out, in);
  CHECK(std::isnan(out[2].value));
  CHECK(Bits(out[2].value) == 0x7ff0000000000002);
}

TEST_CASE("timestamps of every spacing round-trip: regular, jittered, huge jumps, negative",
          "[chunk]") {
  std::vector<Sample> in;
  int64_t ts = -5'000'000'000;
  std::mt19937_64 rng(3);
  // Deltas-of-deltas at each edge of the buckets (4, 10 and 20 bits), and far beyond.
  const int64_t dods[] = {0,   1,    -7,      8,          -8,       9,       -511,
                          512, -512, 513,     -524287,    524288,   -524288, 524289,
                          0,   0,    1 << 30, -(1 << 30), -1999999, 5,       -3};
  int64_t delta = 2'000'000;
  for (int64_t dod : dods) {
    delta += dod;
    ts += delta;
    in.push_back({ts, static_cast<double>(rng() % 1000)});
  }

  for (int i = 0; i < 1000; ++i) {
    ts += 1 + static_cast<int64_t>(rng() % 2'000'000);
    in.push_back({ts, FromBits(rng())});  // any bit pattern, NaNs included
  }
  CheckSameBits(RoundTrip(in), in);
}

TEST_CASE("a resumed appender continues the stream exactly as one that never stopped", "[chunk]") {
  std::mt19937_64 rng(11);
  std::vector<Sample> in;
  double v = 100;
  for (int i = 0; i < 300; ++i) {
    v += (rng() % 3 == 0) ? 0 : 0.25 * static_cast<double>(rng() % 40);
    in.push_back({1763900000000 + i * 10000 + static_cast<int64_t>(rng() % 300), v});
  }
  ChunkAppender whole;
  for (const Sample& s : in) whole.Append(s.ts_ms, s.value);
  // Stop and resume after every sample.
  std::string bytes = Encode({});
  for (const Sample& s : in) {
    auto a = ChunkAppender::Resume(bytes);
    REQUIRE(a.ok());
    a->Append(s.ts_ms, s.value);
    bytes = a->Bytes();
  }
  CHECK(bytes == whole.Bytes());
  CHECK(whole.count() == 300);
  CHECK(whole.min_ts() == in.front().ts_ms);
  CHECK(whole.max_ts() == in.back().ts_ms);
  std::vector<Sample> out;
  REQUIRE(DecodeAll(bytes, &out).ok());
  CheckSameBits(out, in);
}

TEST_CASE("regular samples of a slowly changing gauge take a few bits each", "[chunk]") {
  std::vector<Sample> in;
  for (int i = 0; i < 240; ++i) in.push_back({i * 10000, static_cast<double>(i / 20) * 1e9});
  const std::string bytes = Encode(in);
  CHECK(bytes.size() < 240 / 2);  // about 2 bits each: one for the time, one for the value
  CheckSameBits(RoundTrip(in), in);
  // The same with an XOR chunk (a value that is not decimal first).
  in[0].value = std::nan("");
  CHECK(Encode(in).size() < 240 * 2 / 3);
  CheckSameBits(RoundTrip(in), in);
}

TEST_CASE("counters of ticks and bytes are stored as decimals, far smaller than XOR", "[chunk]") {
  // node_cpu_seconds_total: 1/100 s ticks; jittered 10 s timestamps.
  std::mt19937_64 rng(17);
  std::vector<Sample> ticks;
  int64_t t = 123456789;
  for (int i = 0; i < 240; ++i) {
    t += 900 + static_cast<int64_t>(rng() % 101);
    ticks.push_back({1763900000000 + i * 10000 + static_cast<int64_t>(rng() % 5),
                     static_cast<double>(t) / 100.0});
  }
  const std::string bytes = Encode(ticks);
  CHECK(bytes[0] == 2);           // decimal
  CHECK(bytes.size() < 240 * 3);  // about 1 byte for the time and 2 for the value
  CheckSameBits(RoundTrip(ticks), ticks);
  // The same values with one NaN at the end: the chunk falls back to XOR, still exact.
  std::vector<Sample> with_nan = ticks;
  with_nan.push_back({with_nan.back().ts_ms + 10000, kStaleNaN});
  const std::string xor_bytes = Encode(with_nan);
  CHECK(xor_bytes[0] == 1);
  CHECK(xor_bytes.size() > bytes.size() * 2);  // why decimals are worth it
  CheckSameBits(RoundTrip(with_nan), with_nan);
}

TEST_CASE("a decimal chunk widens its exponent or turns to XOR as values require", "[chunk]") {
  const std::vector<Sample> in = {
      {1000, 5},
      {2000, 7},
      {3000, 7.5},
      {4000, -0.25},
      {5000, 1e-6},
      {6000, 123456.789012},
      {7000, 9007199254.740992},
      {8000, 0.1},
      {9000, 1e-7},
      {10000, 0.3},
      {11000, -0.0},
      {12000, 1e300},
  };
  for (size_t n = 1; n <= in.size(); ++n) {
    INFO(n << " samples");
    const std::vector<Sample> prefix(in.begin(), in.begin() + static_cast<long>(n));
    CheckSameBits(RoundTrip(prefix), prefix);
    // Appending one by one after a resume gives the same bytes as encoding at once.
    std::string bytes = Encode({});
    for (const Sample& s : prefix) {
      auto a = ChunkAppender::Resume(bytes);
      REQUIRE(a.ok());
      a->Append(s.ts_ms, s.value);
      bytes = a->Bytes();
    }
    CHECK(bytes == Encode(prefix));
  }
  CHECK(Encode({{1, 5}, {2, 7}})[0] == 2);
  CHECK(Encode({{1, 5}, {2, 1e-7}})[0] == 1);  // more than 6 decimal digits
  CHECK(Encode({{1, -0.0}})[0] == 1);          // -0 is not m / 10^e
}

TEST_CASE("decoding a window keeps only the samples inside it, both ends included", "[chunk]") {
  std::vector<Sample> in;
  for (int i = 0; i < 10; ++i) in.push_back({i * 1000, static_cast<double>(i)});
  std::vector<Sample> out;
  REQUIRE(Decode(Encode(in), 3000, 6000, &out).ok());
  REQUIRE(out.size() == 4);
  CHECK(out.front().ts_ms == 3000);
  CHECK(out.back().ts_ms == 6000);
  out.clear();
  REQUIRE(Decode(Encode(in), 3500, 3600, &out).ok());
  CHECK(out.empty());
}

TEST_CASE("truncated or foreign chunks are reported as corrupt, not misread", "[chunk]") {
  std::vector<Sample> in;
  for (int i = 0; i < 50; ++i) in.push_back({i * 1000 + i * i, i * 1.1});
  const std::string bytes = Encode(in);
  std::vector<Sample> out;
  for (size_t cut : {size_t{0}, size_t{1}, size_t{2}, bytes.size() / 2, bytes.size() - 1}) {
    INFO("cut at " << cut);
    out.clear();
    CHECK(!DecodeAll(bytes.substr(0, cut), &out).ok());
    CHECK(!ChunkAppender::Resume(bytes.substr(0, cut)).ok());
  }
  std::string foreign = bytes;
  foreign[0] = 7;
  CHECK(!DecodeAll(foreign, &out).ok());
}

TEST_CASE("merging replaces samples at equal timestamps and counts only new ones", "[chunk]") {
  std::vector<Sample> stored = {{1000, 1}, {3000, 3}, {5000, 5}};
  const size_t added = MergeSamples(&stored, {{0, 0}, {3000, 30}, {4000, 4}, {6000, 6}});
  CHECK(added == 3);
  CheckSameBits(stored, {{0, 0}, {1000, 1}, {3000, 30}, {4000, 4}, {5000, 5}, {6000, 6}});
  CHECK(MergeSamples(&stored, {}) == 0);
  std::vector<Sample> empty;
  CHECK(MergeSamples(&empty, {{1, kStaleNaN}}) == 1);
  CHECK(Bits(empty[0].value) == Bits(kStaleNaN));
}

TEST_CASE("out-of-order and repeated timestamps are sorted, the last arrival winning", "[chunk]") {
  std::vector<Sample> pushed = {{3000, 3}, {1000, 1}, {3000, 33}, {2000, 2}, {1000, 11}};
  SortAndDedupe(&pushed);
  CheckSameBits(pushed, {{1000, 11}, {2000, 2}, {3000, 33}});
  CheckSameBits(RoundTrip(pushed), pushed);
}

}  // namespace
}  // namespace hivewatch::chunk
