// The agent's spool reader on an arbitrary segment file: opening the spool, scanning the
// backlog and peeking/acknowledging record by record must cope with any content (damage is
// skipped, never a crash, a hang or an endless loop). The input becomes seg-000001.log in a
// scratch directory (on /dev/shm when there is one, to spare the disk).
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "agent/ship/spool.h"

namespace {

// Never destroyed, so the exit handler that removes it can still read it.
const std::string& ScratchDir() {
  static const std::string* dir = [] {
    spdlog::set_level(spdlog::level::off);  // damaged records are logged; not worth the time
    const char* base = std::filesystem::is_directory("/dev/shm") ? "/dev/shm" : "/tmp";
    auto* d =
        new std::string(std::string(base) + "/hivewatch-spool-fuzz-" + std::to_string(getpid()));
    std::filesystem::create_directories(*d);
    std::atexit([] { std::filesystem::remove_all(ScratchDir()); });
    return d;
  }();
  return *dir;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string dir = ScratchDir() + "/spool";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  std::ofstream(dir + "/seg-000001.log", std::ios::binary)
      .write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  hivewatch::SpoolOptions options;
  options.dir = dir;
  auto spool = hivewatch::Spool::Open(options);
  if (!spool.ok()) return 0;
  size_t scanned = 0;
  (void)(*spool)->ScanUnacked([&](const hivewatch::SpoolRecord&) { ++scanned; });
  // Every record the scan saw can be peeked and acknowledged, in order, and then none is left.
  size_t acked = 0;
  for (;;) {
    auto record = (*spool)->Peek();
    if (!record.ok() || !*record) break;
    if (!(*spool)->Ack((*record)->batch_id).ok()) __builtin_trap();
    if (++acked > scanned) __builtin_trap();
  }
  if (acked != scanned) __builtin_trap();
  return 0;
}
