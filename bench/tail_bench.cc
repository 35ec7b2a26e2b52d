// hivewatch-bench-tail: throughput of the file input alone. Builds a big file from the real
// samples (../shared/data/logs), tails it from the beginning with FileInput into a sink that
// only counts and drops the records, and prints MB/s, lines/s, and the same per CPU second
// (wall time depends on what else the machine runs). Also times the floor: reading the same
// file and finding its line ends, nothing else. Never a pass/fail test.
#include <fcntl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <atomic>
#include <boost/program_options.hpp>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "agent/inputs/file/file_input.h"
#include "agent/inputs/file/file_position.h"
#include "bench/bench_util.h"

namespace po = boost::program_options;
using namespace hivewatch;

namespace {

class NullSink : public LogSink {
 public:
  bool Emit(std::vector<LogRecord> records, const std::string&,
            const std::string& position) override {
    lines_ += records.size();
    ++calls_;
    Result<FilePosition> p = DecodePosition(position);
    if (p.ok()) offset_ = p->offset;
    return true;  // the records are freed here, as a batcher would after serialising them
  }
  std::atomic<uint64_t> lines_{0};
  std::atomic<uint64_t> calls_{0};
  std::atomic<uint64_t> offset_{0};  // the checkpoint: everything before it was emitted
};

double CpuSeconds() {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
         static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

long MaxRssKb() {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return ru.ru_maxrss;
}

// The floor: pread in `read_bytes` chunks and find the '\n's with memchr. Returns the lines.
uint64_t ReadFloor(const std::string& path, size_t read_bytes, bool print) {
  std::unique_ptr<char[]> buf(new char[read_bytes]);
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw std::runtime_error("cannot open " + path + ": " + std::strerror(errno));
  const auto t0 = std::chrono::steady_clock::now();
  uint64_t offset = 0, lines = 0;
  while (true) {
    ssize_t n = ::pread(fd, buf.get(), read_bytes, static_cast<off_t>(offset));
    if (n <= 0) break;
    const char* p = buf.get();
    const char* end = p + n;
    while ((p = static_cast<const char*>(std::memchr(p, '\n', end - p))) != nullptr) {
      ++lines;
      ++p;
    }
    offset += static_cast<uint64_t>(n);
  }
  ::close(fd);
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (print) {
    std::printf("floor (pread + memchr)     %8.0f MB/s %10.0f lines/s\n", offset / secs / 1e6,
                lines / secs);
  }
  return lines;
}

}  // namespace

int main(int argc, char** argv) {
  po::options_description opts(
      "Usage: hivewatch-bench-tail [options]\n"
      "Tails a big file built from the real samples into a null sink and prints throughput.\n\n"
      "Options");
  opts.add_options()("help,h", "show this help")(
      "size-mb", po::value<uint64_t>()->default_value(1024), "size of the generated file")(
      "dir", po::value<std::string>()->default_value("/tmp"), "where to write the file")(
      "samples", po::value<std::string>()->default_value(HIVEWATCH_SHARED_LOGS),
      "folder with the sample logs")("read-bytes", po::value<size_t>()->default_value(256 << 10),
                                     "FileInput read_bytes")(
      "path-field", po::value<std::string>()->default_value("file"),
      "FileInput path_field (\"\" leaves the path out)")(
      "multiline", "join lines with multiline.indent")("keep", "keep the generated file")(
      "file", po::value<std::string>(), "tail this existing file instead (e.g. one kept before)")(
      "no-floor", "skip the floor measurement (for profiling the input alone)");
  po::variables_map vm;
  if (auto done = bench::ParseCommandLine(argc, argv, opts, "hivewatch-bench-tail", &vm))
    return *done;
  const size_t read_bytes = vm["read-bytes"].as<size_t>();
  std::string dir = vm["dir"].as<std::string>() + "/hivewatch-tail-bench";
  std::string path = dir + "/big.log";
  bool keep = vm.count("keep") > 0;
  if (vm.count("file")) {
    path = vm["file"].as<std::string>();
    keep = true;
  } else {
    std::vector<std::string> lines;
    for (auto& s : bench::LoadSampleLines(vm["samples"].as<std::string>())) {
      lines.push_back(std::move(s.message));
    }
    if (lines.empty()) {
      std::cerr << "hivewatch-bench-tail: no sample lines\n";
      return 2;
    }
    std::filesystem::create_directories(dir);
    bench::WriteSampleFile(path, lines, vm["size-mb"].as<uint64_t>() << 20);
  }
  const uint64_t file_bytes = std::filesystem::file_size(path);
  uint64_t total_lines = 0;
  if (!vm.count("no-floor")) {
    ReadFloor(path, read_bytes, false);  // into the page cache
    total_lines = ReadFloor(path, read_bytes, false);
    std::printf("file: %s, %.0f MB, %llu lines (in the page cache)\n", path.c_str(),
                file_bytes / 1e6, static_cast<unsigned long long>(total_lines));
    ReadFloor(path, read_bytes, true);
  }

  FileInputConfig config;
  config.paths = {path};
  config.service = "bench";
  config.start_at = FileInputConfig::StartAt::kBeginning;
  config.read_bytes = read_bytes;
  config.poll_interval_ms = 10;
  config.multiline_indent = vm.count("multiline") > 0;
  config.multiline_timeout_ms = 10;
  config.path_field = vm["path-field"].as<std::string>();
  NullSink sink;
  FileInput input(config);
  const double cpu0 = CpuSeconds();
  const auto t0 = std::chrono::steady_clock::now();
  Status s = input.Start({}, &sink);
  if (!s.ok()) {
    std::cerr << "hivewatch-bench-tail: " << s.message() << "\n";
    return 1;
  }
  // Done when the checkpoint reaches the end of the file (with multi-line joining fewer
  // records than lines come out; the last one after multiline.timeout).
  while (sink.offset_.load() < file_bytes) {
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const double cpu = CpuSeconds() - cpu0;
  input.Stop();
  if (total_lines == 0) total_lines = sink.lines_.load();  // --no-floor: one record a line
  std::printf(
      "FileInput -> null sink      %8.0f MB/s %10.0f lines/s  (%.2f s)\n"
      "  per CPU second            %8.0f MB   %10.0f lines    (%.2f CPU s, %llu records in "
      "%llu Emit calls, max RSS %ld MB)\n",
      file_bytes / secs / 1e6, total_lines / secs, secs, file_bytes / cpu / 1e6, total_lines / cpu,
      cpu, static_cast<unsigned long long>(sink.lines_.load()),
      static_cast<unsigned long long>(sink.calls_.load()), MaxRssKb() / 1024);
  if (!keep) std::filesystem::remove_all(dir);
  return 0;
}
