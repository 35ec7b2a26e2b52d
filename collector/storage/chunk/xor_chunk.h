// A compressed chunk of one series' samples, as in Gorilla / Prometheus TSDB: timestamps as
// delta-of-delta in variable-length buckets, values XORed with the previous one (leading and
// trailing zero bits elided). Values round-trip bit for bit (NaN payloads such as Prometheus's
// stale marker, ±Inf, -0). Pure code, no I/O; an XorAppender is used by one thread at a time.
//
// Layout of a chunk: one byte 0x01 (the encoding), the sample count as a LEB128 varint, then
// the bit stream (most significant bit first, zero-padded to a whole byte):
//   sample 0: timestamp as a zigzag varint, value as 64 raw bits;
//   sample 1: timestamp delta (> 0) as a varint, value XOR;
//   sample n: delta-of-delta d: '0' (d = 0), '10' + 14 bits, '110' + 17 bits, '1110' + 20 bits
//             (two's complement, sign-extended), '1111' + 64 bits; value XOR.
//   value XOR x with the previous value: '0' (x = 0); '10' + the significant bits when they fit
//   in the previous window of leading/trailing zeros; '11' + 5 bits leading zeros + 6 bits
//   significant-bit count (64 written as 0) + the significant bits.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/batch.h"
#include "common/status.h"

namespace hivewatch::chunk {

// Builds a chunk sample by sample. Timestamps must be strictly increasing.
class XorAppender {
 public:
  XorAppender() = default;

  // Continues a chunk made by Bytes(): decodes it once to recover the encoder's state.
  [[nodiscard]] static Result<XorAppender> Resume(std::string_view chunk);

  // Requires count() == 0 or ts_ms > max_ts().
  void Append(int64_t ts_ms, double value);

  int count() const { return count_; }
  int64_t min_ts() const { return min_ts_; }
  int64_t max_ts() const { return last_ts_; }
  // The chunk as stored: header and bit stream.
  std::string Bytes() const;

 private:
  void WriteBits(uint64_t bits, int n);
  void WriteValue(double value);

  std::string bits_;  // the bit stream; the last byte holds `bit_count_ % 8` used bits
  size_t bit_count_ = 0;
  int count_ = 0;
  int64_t min_ts_ = 0;
  int64_t last_ts_ = 0;
  int64_t last_delta_ = 0;
  uint64_t last_value_ = 0;
  int leading_ = 0xff;  // window of the last XOR written with '11' (0xff: none yet)
  int trailing_ = 0;
};

// Encodes samples with strictly increasing timestamps (an empty vector gives an empty chunk).
std::string Encode(const std::vector<Sample>& samples);

// Appends the chunk's samples with start_ms <= ts <= end_ms to `out`, in time order. Fails
// (kInternal) on a chunk that is truncated or not of this encoding.
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
