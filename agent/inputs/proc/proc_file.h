// ProcFile: one file under /proc or /sys that is read again every collection. On procfs and
// sysfs the descriptor stays open and each read starts again at offset 0 with pread (the
// kernel generates the content anew on every read from the start), which saves the path walk,
// open and close of each collection. A file anywhere else (the fixture trees tests point
// proc_root at) is opened for each read, so a file replaced in between is seen. Not
// thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "common/status.h"

namespace hivewatch {

class ProcFile {
 public:
  explicit ProcFile(std::string path) : path_(std::move(path)) {}
  ~ProcFile();
  ProcFile(const ProcFile&) = delete;
  ProcFile& operator=(const ProcFile&) = delete;

  // The whole content, valid until the next Read or the destruction. kNotFound if the file
  // does not exist (ENOENT, ENOTDIR), kInternal for other failures.
  Result<std::string_view> Read();

  const std::string& path() const { return path_; }
  bool kept_open() const { return fd_ >= 0; }  // between reads: only on procfs/sysfs

 private:
  Status Open();
  void Close();

  std::string path_;
  int fd_ = -1;
  bool reusable_ = false;  // fd_ is on procfs or sysfs and pread works on it
  std::string buf_;        // grows to the largest content seen, reused
};

}  // namespace hivewatch
