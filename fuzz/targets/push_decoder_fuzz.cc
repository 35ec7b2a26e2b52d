// The collector's push decoder on arbitrary bytes: as a JSON body, and as a gzip body that
// (if it inflates within the limit) is decoded in turn. No input may crash, hang or leak.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "common/batch_codec.h"
#include "common/gzip.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const hivewatch::DecodeLimits limits;
  constexpr int64_t kNowMs = 1763800000000;
  (void)hivewatch::DecodeBatch(input, limits, kNowMs);
  hivewatch::Result<std::string> inflated = hivewatch::Gunzip(input, 1 << 20);
  if (inflated.ok()) (void)hivewatch::DecodeBatch(*inflated, limits, kNowMs);
  return 0;
}
