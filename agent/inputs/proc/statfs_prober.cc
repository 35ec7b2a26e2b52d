#include "agent/inputs/proc/statfs_prober.h"

#include <sys/statvfs.h>

#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <mutex>
#include <optional>
#include <set>
#include <system_error>
#include <thread>

namespace hivewatch {

Result<FsStats> RealStatfs(const std::string& path) {
  struct statvfs buf;
  if (::statvfs(path.c_str(), &buf) != 0) {
    return Internal("statvfs " + path + ": " + std::strerror(errno));
  }
  // As node_exporter: blocks are f_bsize units (Go's Statfs_t.Bsize is f_bsize on Linux).
  double bsize = static_cast<double>(buf.f_bsize);
  FsStats s;
  s.size_bytes = static_cast<double>(buf.f_blocks) * bsize;
  s.free_bytes = static_cast<double>(buf.f_bfree) * bsize;
  s.avail_bytes = static_cast<double>(buf.f_bavail) * bsize;
  s.files = static_cast<double>(buf.f_files);
  s.files_free = static_cast<double>(buf.f_ffree);
  return s;
}

struct StatfsProber::Shared {
  std::mutex mu;
  std::condition_variable cv;
  std::set<std::string> stuck;  // paths whose abandoned probe has not returned
  int running = 0;              // helper threads alive
};

namespace {

struct Call {
  std::optional<Result<FsStats>> result;  // set by the helper thread under Shared::mu
  bool abandoned = false;                 // set by the caller when the deadline passed
};

}  // namespace

StatfsProber::StatfsProber(StatfsFunc statfs, std::chrono::milliseconds timeout)
    : statfs_(statfs ? std::move(statfs) : StatfsFunc(RealStatfs)),
      timeout_(timeout),
      shared_(std::make_shared<Shared>()) {}

StatfsProber::~StatfsProber() = default;

std::vector<Result<FsStats>> StatfsProber::ProbeAll(const std::vector<std::string>& paths) {
  const auto deadline = std::chrono::steady_clock::now() + timeout_;
  std::vector<std::shared_ptr<Call>> calls(paths.size());
  std::vector<Result<FsStats>> out;
  out.reserve(paths.size());

  for (size_t i = 0; i < paths.size(); ++i) {
    {
      std::lock_guard<std::mutex> lock(shared_->mu);
      if (shared_->stuck.count(paths[i])) continue;  // still hung from an earlier cycle
      ++shared_->running;
    }
    auto call = std::make_shared<Call>();
    try {
      std::thread([shared = shared_, call, fn = statfs_, path = paths[i]] {
        Result<FsStats> r = fn(path);
        std::lock_guard<std::mutex> lock(shared->mu);
        if (call->abandoned) shared->stuck.erase(path);
        call->result.emplace(std::move(r));
        --shared->running;
        shared->cv.notify_all();
      }).detach();
      calls[i] = std::move(call);
    } catch (const std::system_error&) {  // no thread: report as unavailable
      std::lock_guard<std::mutex> lock(shared_->mu);
      --shared_->running;
    }
  }

  std::unique_lock<std::mutex> lock(shared_->mu);
  for (size_t i = 0; i < paths.size(); ++i) {
    const auto& call = calls[i];
    if (!call) {
      out.emplace_back(Unavailable("statvfs " + paths[i] + ": still unresponsive, not retried"));
      continue;
    }
    if (!shared_->cv.wait_until(lock, deadline, [&] { return call->result.has_value(); })) {
      call->abandoned = true;
      shared_->stuck.insert(paths[i]);
      out.emplace_back(Unavailable("statvfs " + paths[i] + ": timed out"));
      continue;
    }
    out.push_back(std::move(*call->result));
  }
  return out;
}

bool StatfsProber::IsStuck(const std::string& path) const {
  std::lock_guard<std::mutex> lock(shared_->mu);
  return shared_->stuck.count(path) > 0;
}

bool StatfsProber::WaitIdle(std::chrono::milliseconds timeout) const {
  std::unique_lock<std::mutex> lock(shared_->mu);
  return shared_->cv.wait_for(lock, timeout, [&] { return shared_->running == 0; });
}

}  // namespace hivewatch
