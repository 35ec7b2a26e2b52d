// The log search syntax (`q` of GET /api/v1/logs) and the paging cursor on arbitrary text.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "collector/query/log_query.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  (void)hivewatch::ParseTextQuery(input);
  hivewatch::Result<hivewatch::LogCursor> cursor = hivewatch::DecodeLogCursor(input);
  // A cursor that decodes must encode back to something that decodes to the same position.
  if (cursor.ok()) {
    hivewatch::Result<hivewatch::LogCursor> again =
        hivewatch::DecodeLogCursor(hivewatch::EncodeLogCursor(*cursor));
    if (!again.ok() || again->ts_ms != cursor->ts_ms || again->id != cursor->id) __builtin_trap();
  }
  return 0;
}
