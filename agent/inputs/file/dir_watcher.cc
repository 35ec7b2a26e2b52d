#include "agent/inputs/file/dir_watcher.h"

#include <poll.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>

#include <spdlog/spdlog.h>

namespace hivewatch {

DirWatcher::DirWatcher() {
  inotify_fd_ = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  if (inotify_fd_ < 0) {
    spdlog::warn("file input: inotify unavailable ({}); polling only", std::strerror(errno));
  }
  event_fd_ = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
}

DirWatcher::~DirWatcher() {
  if (inotify_fd_ >= 0) ::close(inotify_fd_);
  if (event_fd_ >= 0) ::close(event_fd_);
}

void DirWatcher::Watch(const std::string& dir) {
  if (inotify_fd_ < 0 || watched_.count(dir)) return;
  int wd = ::inotify_add_watch(inotify_fd_, dir.c_str(),
                               IN_CREATE | IN_MOVED_FROM | IN_MOVED_TO | IN_DELETE | IN_MODIFY |
                                   IN_CLOSE_WRITE | IN_ATTRIB | IN_ONLYDIR);
  if (wd < 0) return;  // missing (yet) or not permitted: polling covers it
  dirs_[wd] = dir;
  watched_.insert(dir);
}

DirWatcher::Events DirWatcher::Wait(std::chrono::steady_clock::time_point deadline) {
  Events events;
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
      deadline - std::chrono::steady_clock::now());
  int timeout_ms = static_cast<int>(std::clamp<int64_t>(left.count() + 1, 0, 60000));
  if (deadline <= std::chrono::steady_clock::now()) timeout_ms = 0;
  struct pollfd fds[2] = {{inotify_fd_, POLLIN, 0}, {event_fd_, POLLIN, 0}};
  int n = ::poll(fds, 2, timeout_ms);
  if (n <= 0) return events;
  if (fds[1].revents & POLLIN) {
    uint64_t value;
    while (::read(event_fd_, &value, sizeof value) > 0) {
    }
    events.woken = true;
  }
  if (fds[0].revents & POLLIN) {
    alignas(struct inotify_event) char buf[16384];
    ssize_t len;
    while ((len = ::read(inotify_fd_, buf, sizeof buf)) > 0) {
      for (char* p = buf; p < buf + len;) {
        auto* e = reinterpret_cast<struct inotify_event*>(p);
        if (e->mask & (IN_CREATE | IN_MOVED_FROM | IN_MOVED_TO | IN_DELETE | IN_Q_OVERFLOW)) {
          events.names_changed = true;
        }
        if (e->mask & IN_IGNORED) {  // the directory is gone: watch it again if it comes back
          auto it = dirs_.find(e->wd);
          if (it != dirs_.end()) {
            watched_.erase(it->second);
            dirs_.erase(it);
          }
          events.names_changed = true;
        }
        p += sizeof(struct inotify_event) + e->len;
      }
    }
  }
  return events;
}

void DirWatcher::Wake() {
  if (event_fd_ < 0) return;
  uint64_t one = 1;
  ssize_t ignored = ::write(event_fd_, &one, sizeof one);
  (void)ignored;
}

}  // namespace hivewatch
