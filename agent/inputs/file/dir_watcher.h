// DirWatcher: wakes the file input's thread as soon as something happens in the directories it
// reads (inotify: files created, renamed, deleted, written), so rotations are seen at once and
// new lines go out without waiting for the next poll. Polling stays the safety net (network
// file systems, a full inotify queue, inotify unavailable). Wake() may be called from any
// thread; everything else from the input's thread only.
#pragma once

#include <chrono>
#include <map>
#include <set>
#include <string>

namespace hivewatch {

class DirWatcher {
 public:
  DirWatcher();
  ~DirWatcher();
  DirWatcher(const DirWatcher&) = delete;
  DirWatcher& operator=(const DirWatcher&) = delete;

  // Watches `dir` (idempotent; a directory that does not exist yet is tried again next time).
  void Watch(const std::string& dir);

  struct Events {
    bool names_changed = false;  // a file was created, renamed or deleted: scan again
    bool woken = false;          // Wake() was called
  };
  // Returns at the first event or Wake(), or at `deadline` (at once if it has passed).
  Events Wait(std::chrono::steady_clock::time_point deadline);
  void Wake();

 private:
  int inotify_fd_ = -1;
  int event_fd_ = -1;
  std::map<int, std::string> dirs_;  // watch descriptor → directory
  std::set<std::string> watched_;
};

}  // namespace hivewatch
