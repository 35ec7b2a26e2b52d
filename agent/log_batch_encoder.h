// EncodeLogBatch: the push JSON of an agent batch — its log records and its metric series (the
// name is from its first use; the metric cycle goes through it too) — written straight into one
// string, byte for byte what EncodeBatch (common/batch_codec.h, nlohmann::json) writes, without
// building a JSON document first (which cost more than gzip did, on both paths). Batches with
// strings that are not valid UTF-8 go through EncodeBatch. Thread-safe.
#pragma once

#include <string>

#include "common/batch.h"

namespace hivewatch {

std::string EncodeLogBatch(const Batch& batch);
// The same into `*json` (replacing its content), so a caller can reuse one buffer's memory.
void EncodeLogBatch(const Batch& batch, std::string* json);

}  // namespace hivewatch
