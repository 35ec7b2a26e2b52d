#include "agent/inputs/proc/statfs_prober.h"

#include <sys/statvfs.h>

#include <algorithm>
#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <deque>
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

namespace {

// How long the caller waits for a call to return before another helper takes the queue over.
constexpr std::chrono::milliseconds kHandOff(10);

struct Job {
  std::string path;
  bool started = false;                   // a helper took it from the queue
  bool abandoned = false;                 // the deadline passed while it ran
  std::optional<Result<FsStats>> result;  // set by the helper
};

}  // namespace

struct StatfsProber::Shared {
  StatfsFunc statfs;
  std::mutex mu;
  std::condition_variable work;  // a job was queued, or shutdown
  std::condition_variable done;  // a job finished, or a helper left
  std::deque<std::shared_ptr<Job>> queue;
  std::set<std::string> stuck;  // paths whose abandoned probe has not returned
  uint64_t finished = 0;        // jobs finished so far
  int idle = 0;                 // helpers waiting for a job
  int in_flight = 0;            // statvfs calls running
  bool shutdown = false;
};

namespace {

using Shared = std::shared_ptr<StatfsProber::Shared>;

void Helper(Shared shared) {
  std::unique_lock<std::mutex> lock(shared->mu);
  for (;;) {
    if (shared->queue.empty()) {
      // One waiting helper is enough; extra ones (started while a call hung) leave.
      if (shared->shutdown || shared->idle > 0) break;
      ++shared->idle;
      shared->work.wait(lock, [&] { return !shared->queue.empty() || shared->shutdown; });
      --shared->idle;
      continue;
    }
    std::shared_ptr<Job> job = std::move(shared->queue.front());
    shared->queue.pop_front();
    job->started = true;
    ++shared->in_flight;
    lock.unlock();
    Result<FsStats> r = shared->statfs(job->path);
    lock.lock();
    --shared->in_flight;
    if (job->abandoned) shared->stuck.erase(job->path);
    job->result.emplace(std::move(r));
    ++shared->finished;
    shared->done.notify_all();
  }
  shared->done.notify_all();
}

// Starts one more helper; false if the system has no thread to give.
bool StartHelper(const Shared& shared) {
  try {
    std::thread(Helper, shared).detach();
    return true;
  } catch (const std::system_error&) {
    return false;
  }
}

}  // namespace

StatfsProber::StatfsProber(StatfsFunc statfs, std::chrono::milliseconds timeout)
    : timeout_(timeout), shared_(std::make_shared<Shared>()) {
  shared_->statfs = statfs ? std::move(statfs) : StatfsFunc(RealStatfs);
}

StatfsProber::~StatfsProber() {
  std::lock_guard<std::mutex> lock(shared_->mu);
  shared_->shutdown = true;
  shared_->queue.clear();
  shared_->work.notify_all();
}

std::vector<Result<FsStats>> StatfsProber::ProbeAll(const std::vector<std::string>& paths) {
  const auto deadline = std::chrono::steady_clock::now() + timeout_;
  std::vector<std::shared_ptr<Job>> jobs(paths.size());
  std::unique_lock<std::mutex> lock(shared_->mu);
  bool queued = false;
  for (size_t i = 0; i < paths.size(); ++i) {
    if (shared_->stuck.count(paths[i])) continue;  // still hung from an earlier cycle
    jobs[i] = std::make_shared<Job>();
    jobs[i]->path = paths[i];
    shared_->queue.push_back(jobs[i]);
    queued = true;
  }
  if (queued) {
    if (shared_->idle > 0) {
      shared_->work.notify_one();
    } else {
      StartHelper(shared_);
    }
  }

  auto all_done = [&] {
    return std::all_of(jobs.begin(), jobs.end(),
                       [](const auto& job) { return !job || job->result.has_value(); });
  };
  while (!all_done()) {
    const auto now = std::chrono::steady_clock::now();
    if (now >= deadline) break;
    const uint64_t finished = shared_->finished;
    shared_->done.wait_until(lock, std::min(deadline, now + kHandOff),
                             [&] { return shared_->finished != finished || all_done(); });
    // Nothing came back for a while and paths are waiting: a call is slow or hung, so let
    // another helper go on with the rest.
    if (shared_->finished == finished && !shared_->queue.empty() && shared_->idle == 0) {
      StartHelper(shared_);
    }
  }

  std::vector<Result<FsStats>> out;
  out.reserve(paths.size());
  for (size_t i = 0; i < paths.size(); ++i) {
    const std::shared_ptr<Job>& job = jobs[i];
    if (!job) {
      out.emplace_back(Unavailable("statvfs " + paths[i] + ": still unresponsive, not retried"));
    } else if (job->result) {
      out.push_back(std::move(*job->result));
    } else {
      if (job->started) {
        job->abandoned = true;
        shared_->stuck.insert(paths[i]);
      } else {
        shared_->queue.erase(std::find(shared_->queue.begin(), shared_->queue.end(), job));
      }
      out.emplace_back(Unavailable("statvfs " + paths[i] + ": timed out"));
    }
  }
  return out;
}

bool StatfsProber::IsStuck(const std::string& path) const {
  std::lock_guard<std::mutex> lock(shared_->mu);
  return shared_->stuck.count(path) > 0;
}

bool StatfsProber::WaitIdle(std::chrono::milliseconds timeout) const {
  std::unique_lock<std::mutex> lock(shared_->mu);
  return shared_->done.wait_for(lock, timeout,
                                [&] { return shared_->in_flight == 0 && shared_->queue.empty(); });
}

}  // namespace hivewatch
