// The PromQL parser (query=, match[]=, durations) on arbitrary text.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "collector/query/promql/parser.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  (void)hivewatch::promql::ParseExpr(input);
  (void)hivewatch::promql::ParseMetricSelector(input);
  (void)hivewatch::promql::ParsePromDurationMs(input);
  return 0;
}
