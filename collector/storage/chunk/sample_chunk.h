// A compressed chunk of one series' samples, as in Gorilla / Prometheus TSDB: timestamps as
// delta-of-delta in variable-length buckets; values either XORed with the previous one (leading
// and trailing zero bits elided), or — when every value of the chunk is a decimal number with
// at most kMaxDecimalDigits digits after the point, as counters of ticks, bytes and most gauges
// are — as integers m (value = m / 10^e) in delta-of-delta too. Values round-trip bit for bit
// (NaN payloads such as Prometheus's stale marker, ±Inf, -0: those chunks use XOR). Pure code,
// no I/O; a ChunkAppender is used by one thread at a time.
//
// Layout: one byte for the encoding (1 = XOR, 2 = decimal), the sample count as a LEB128
// varint, for decimal the exponent e as a varint, then the bit stream (most significant bit
// first, zero-padded to a whole byte):
//   timestamps: sample 0 as a zigzag varint, sample 1 as the delta (> 0) as a varint, then each
//     delta-of-delta d as a bucket: '0' (d = 0), '10' + 4 bits, '110' + 10 bits, '1110' + 20
//     bits (two's complement, sign-extended), '1111' + 64 bits. The small buckets suit
//     millisecond timestamps of a ticker that wakes up a few ms late (Prometheus's smallest
//     is 14 bits);
//   XOR values: sample 0 as 64 raw bits, then x = value XOR previous: '0' (x = 0); '10' + the
//     significant bits when they fit in the previous window of leading/trailing zeros; '11' + 5
//     bits leading zeros + 6 bits significant-bit count (64 written as 0) + the bits;
//   decimal values: m of sample 0 as a zigzag varint, the delta of sample 1 as a zigzag varint,
//     then '0' when m is unchanged, else '1' + the difference between this delta and the last
//     non-zero one in the buckets above (steady rates and repeated steps cost a few bits, and
//     a gauge that only changes now and then one bit most of the time).
// In the stream, each sample's value follows its timestamp.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/batch.h"
#include "common/status.h"

namespace hivewatch::chunk {

inline constexpr int kMaxDecimalDigits = 6;

// Builds a chunk sample by sample. Timestamps must be strictly increasing. Starts in decimal
// encoding when the first value allows it and re-encodes the chunk (once or a few times, at
// most count() samples each) when a later value needs more digits or XOR.
class ChunkAppender {
 public:
  ChunkAppender() = default;

  // Continues a chunk made by Bytes(): decodes it once to recover the encoder's state.
  [[nodiscard]] static Result<ChunkAppender> Resume(std::string_view chunk);

  // Requires count() == 0 or ts_ms > max_ts().
  void Append(int64_t ts_ms, double value);

  int count() const { return count_; }
  int64_t min_ts() const { return min_ts_; }
  int64_t max_ts() const { return last_ts_; }
  // The chunk as stored: header and bit stream.
  std::string Bytes() const;

 private:
  enum class Encoding : uint8_t { kXor = 1, kDecimal = 2 };

  void WriteBits(uint64_t bits, int n);
  void WriteVarint(uint64_t v);
  void WriteDod(int64_t dod);
  void WriteSample(int64_t ts_ms, double value, int64_t mantissa);
  // Encodes the samples so far again, in `encoding` (with exponent `exp` when decimal).
  void Reencode(Encoding encoding, int exp);

  Encoding encoding_ = Encoding::kDecimal;
  int exp_ = 0;       // decimal: value = m / 10^exp_
  std::string bits_;  // the bit stream; the last byte holds `bit_count_ % 8` used bits
  size_t bit_count_ = 0;
  int count_ = 0;
  int64_t min_ts_ = 0;
  int64_t last_ts_ = 0;
  int64_t last_delta_ = 0;
  uint64_t last_value_ = 0;  // XOR: the bits of the last value
  int leading_ = 0xff;       // XOR: window of the last '11' value (0xff: none yet)
  int trailing_ = 0;
  int64_t last_m_ = 0;        // decimal: the last m and its delta
  int64_t last_m_delta_ = 0;  // the last non-zero delta (or sample 1's)
};

// Encodes samples with strictly increasing timestamps (an empty vector gives an empty chunk).
std::string Encode(const std::vector<Sample>& samples);

// Appends the chunk's samples with start_ms <= ts <= end_ms to `out`, in time order. Fails
// (kInternal) on a chunk that is truncated or of an unknown encoding.
[[nodiscard]] Status Decode(std::string_view chunk, int64_t start_ms, int64_t end_ms,
                            std::vector<Sample>* out);
// The whole chunk.
[[nodiscard]] Status DecodeAll(std::string_view chunk, std::vector<Sample>* out);

// The sample count from the chunk's header (0 for a malformed one).
int ChunkCount(std::string_view chunk);

// Merges `incoming` (ts ascending, unique) into `existing` (ts ascending, unique): a sample of
// `incoming` at a timestamp already present replaces it. Returns how many timestamps are new.
size_t MergeSamples(std::vector<Sample>* existing, const std::vector<Sample>& incoming);

// Sorts samples by timestamp and keeps the last of each run of equal timestamps (the order of
// arrival decides, as when the same point is pushed twice).
void SortAndDedupe(std::vector<Sample>* samples);

}  // namespace hivewatch::chunk
