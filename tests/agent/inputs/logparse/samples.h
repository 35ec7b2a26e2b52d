// The real log samples (../shared/data/logs) read line by line, for the logparse tests.
#pragma once

#include <catch2/catch.hpp>
#include <fstream>
#include <string>
#include <vector>

#include "common/time_util.h"

namespace hivewatch::logparse::testing {

// Every line of one sample file, as the file input hands it over (without "\n"; the samples
// are CRLF, so each line but the file's last still ends with '\r').
inline std::vector<std::string> SampleLines(const std::string& file) {
  std::ifstream in(std::string(HIVEWATCH_SHARED_LOGS) + "/" + file, std::ios::binary);
  REQUIRE(in.good());
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  REQUIRE(lines.size() == 2000);
  return lines;
}

// An RFC 3339 time as epoch millis (for readable expectations).
inline int64_t Ms(const std::string& rfc3339) {
  auto ms = ParseTimestampMs(rfc3339);
  REQUIRE(ms.ok());
  return *ms;
}

}  // namespace hivewatch::logparse::testing
