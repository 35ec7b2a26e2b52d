// gzip compression for push bodies (zlib).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "common/status.h"

namespace hivewatch {

// Decompresses a gzip stream. Stops as soon as the output would exceed `max_output_bytes`
// (kTooLarge), so a gzip bomb never gets inflated in full. Malformed data gives kInvalidArgument.
Result<std::string> Gunzip(std::string_view compressed, size_t max_output_bytes);

// Compresses `data` into a gzip stream.
std::string Gzip(std::string_view data, int level = 6);

}  // namespace hivewatch
