// gzip for push bodies: compression with libdeflate, decompression with zlib (streaming, so the
// size limit holds). Thread-safe.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "common/status.h"

namespace hivewatch {

// Decompresses a gzip stream. Stops as soon as the output would exceed `max_output_bytes`
// (kTooLarge), so a gzip bomb never gets inflated in full. Malformed data gives kInvalidArgument.
Result<std::string> Gunzip(std::string_view compressed, size_t max_output_bytes);

// Compresses `data` into one gzip member (standard gzip: any inflater reads it). `level` as
// zlib's 0–9 (libdeflate also takes 10–12; out-of-range values are clamped).
std::string Gzip(std::string_view data, int level = 6);

}  // namespace hivewatch
