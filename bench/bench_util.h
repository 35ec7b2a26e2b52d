// Small helpers shared by the benchmarks: percentiles and the real sample lines.
#pragma once

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <boost/program_options.hpp>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <iostream>
#include <optional>
#include <stdexcept>
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

// Parses the command line into `*vm`. Returns the exit code when main should return at once
// (--help printed: 0; a bad option, reported as "<name>: ...": 2), nullopt to go on.
inline std::optional<int> ParseCommandLine(int argc, char** argv,
                                           const boost::program_options::options_description& opts,
                                           const char* name,
                                           boost::program_options::variables_map* vm) {
  namespace po = boost::program_options;
  try {
    po::store(po::parse_command_line(argc, argv, opts), *vm);
  } catch (const po::error& e) {
    std::cerr << name << ": " << e.what() << "\n";
    return 2;
  }
  if (vm->count("help")) {
    std::cout << opts << std::endl;
    return 0;
  }
  return std::nullopt;
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

// Writes `lines` over and over, one per line, until the file has `bytes`; returns the number
// of lines. Throws on I/O errors.
inline uint64_t WriteSampleFile(const std::string& path, const std::vector<std::string>& lines,
                                uint64_t bytes) {
  std::string chunk;
  uint64_t count = 0, written = 0;
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) throw std::runtime_error("cannot create " + path + ": " + std::strerror(errno));
  for (size_t i = 0; written < bytes; i = (i + 1) % lines.size()) {
    chunk += lines[i];
    chunk += '\n';
    ++count;
    if (chunk.size() >= (1 << 20) || written + chunk.size() >= bytes) {
      if (::write(fd, chunk.data(), chunk.size()) != static_cast<ssize_t>(chunk.size())) {
        ::close(fd);
        throw std::runtime_error("write to " + path + " failed");
      }
      written += chunk.size();
      chunk.clear();
    }
  }
  ::close(fd);
  return count;
}

}  // namespace hivewatch::bench
