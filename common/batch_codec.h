// JSON form of a Batch (the push API body, see docs/api.md): strict decoding with validation
// that names the problem and where ("logs[3].ts: expected integer"), and encoding.
// Thread-safe: DecodeBatch keeps one parser per thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/batch.h"
#include "common/status.h"

namespace hivewatch {

struct DecodeLimits {
  size_t max_labels = 32;                  // labels per series / fields per log record
  size_t max_label_value_bytes = 16 * 1024;
  size_t max_message_bytes = 1024 * 1024;  // one log message
  int64_t max_future_ms = 24LL * 3600 * 1000;  // timestamps later than now + this are rejected
};

// Decodes and validates a push body. `now_ms` anchors the "too far in the future" check.
// Any problem rejects the whole batch with kInvalidArgument.
Result<Batch> DecodeBatch(std::string_view json, const DecodeLimits& limits, int64_t now_ms);

// Encodes a batch as the push API's JSON.
std::string EncodeBatch(const Batch& batch);

}  // namespace hivewatch
