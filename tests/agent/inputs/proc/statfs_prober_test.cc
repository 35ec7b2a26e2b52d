#include "agent/inputs/proc/statfs_prober.h"

#include <sys/syscall.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

namespace hivewatch {
namespace {

// Blocks calls for `hung` until released; records the kernel thread id of every call.
struct Gate {
  std::mutex mu;
  std::condition_variable cv;
  bool released = false;
  std::set<long> thread_ids;
};

StatfsFunc GatedStatfs(std::shared_ptr<Gate> gate, std::string hung) {
  return [gate, hung](const std::string& path) -> Result<FsStats> {
    std::unique_lock<std::mutex> lock(gate->mu);
    gate->thread_ids.insert(static_cast<long>(::syscall(SYS_gettid)));
    if (path == hung) gate->cv.wait(lock, [&] { return gate->released; });
    return FsStats{static_cast<double>(path.size()), 0, 0, 0, 0};
  };
}

TEST_CASE("paths queued behind a hung statvfs are still probed before the deadline", "[proc]") {
  auto gate = std::make_shared<Gate>();
  StatfsProber prober(GatedStatfs(gate, "/hung"), std::chrono::milliseconds(600));
  auto results = prober.ProbeAll({"/a", "/hung", "/bb", "/ccc"});
  REQUIRE(results.size() == 4);
  REQUIRE(results[0].ok());
  CHECK(results[0]->size_bytes == 2);
  CHECK(results[1].status().code() == StatusCode::kUnavailable);
  REQUIRE(results[2].ok());
  CHECK(results[2]->size_bytes == 3);
  REQUIRE(results[3].ok());
  CHECK(results[3]->size_bytes == 4);
  CHECK(prober.IsStuck("/hung"));
  {
    std::lock_guard<std::mutex> lock(gate->mu);
    gate->released = true;
  }
  gate->cv.notify_all();
  REQUIRE(prober.WaitIdle(std::chrono::seconds(10)));
  CHECK_FALSE(prober.IsStuck("/hung"));
}

TEST_CASE("collections reuse one helper thread instead of starting threads", "[proc]") {
  auto gate = std::make_shared<Gate>();
  StatfsProber prober(GatedStatfs(gate, ""), std::chrono::milliseconds(5000));
  for (int i = 0; i < 20; ++i) {
    auto results = prober.ProbeAll({"/", "/data", "/home"});
    REQUIRE(results.size() == 3);
    for (const auto& r : results) REQUIRE(r.ok());
  }
  // 60 calls; a thread per call before. A second helper starts only when a call has not
  // returned within the hand-off time (a busy machine can cause that now and then).
  std::lock_guard<std::mutex> lock(gate->mu);
  CHECK(gate->thread_ids.size() <= 3);
}

}  // namespace
}  // namespace hivewatch
