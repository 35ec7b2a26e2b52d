// Small helpers shared by the benchmarks: percentiles and the real sample lines.
#pragma once

#include <algorithm>
#include <fstream>
#include <string>
#include <vector>

namespace hivewatch::bench {

// The p-th percentile (0..100) of `values` (sorted in place).
inline double Percentile(std::vector<double>& values, double p) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  size_t idx = static_cast<size_t>(p / 100.0 * static_cast<double>(values.size() - 1) + 0.5);
  return values[std::min(idx, values.size() - 1)];
}

// Every line of the four real samples (../shared/data/logs), with the file's service name.
struct SampleLine {
  std::string service;
  std::string message;
};
inline std::vector<SampleLine> LoadSampleLines(const std::string& dir) {
  std::vector<SampleLine> out;
  for (const char* f : {"Linux_2k.log", "OpenSSH_2k.log", "HDFS_2k.log", "Hadoop_2k.log"}) {
    std::ifstream in(dir + "/" + f);
    std::string service(f);
    service = service.substr(0, service.find('_'));
    for (char& c : service) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    for (std::string line; std::getline(in, line);) {
      if (!line.empty() && line.back() == '\r') line.pop_back();  // some samples are CRLF
      out.push_back({service, line});
    }
  }
  return out;
}

}  // namespace hivewatch::bench
