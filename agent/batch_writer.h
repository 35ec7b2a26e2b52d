// WriteBatchJson: the push JSON of an agent batch (log records and metric series) written
// straight into one string, byte for byte what EncodeBatch (common/batch_codec.h,
// nlohmann::json) writes, without building a JSON document first (which cost more than gzip
// did, on both paths). Batches with strings that are not valid UTF-8 go through EncodeBatch.
// Thread-safe.
#pragma once

#include <string>

#include "common/batch.h"

namespace hivewatch {

std::string WriteBatchJson(const Batch& batch);
// The same into `*json` (replacing its content), so a caller can reuse one buffer's memory.
void WriteBatchJson(const Batch& batch, std::string* json);

}  // namespace hivewatch
