#include "agent/inputs/proc/proc_file.h"

#include <fcntl.h>
#include <linux/magic.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace hivewatch {
namespace {

Status ErrnoStatus(const std::string& path, int err) {
  std::string msg = path + ": " + std::strerror(err);
  return err == ENOENT || err == ENOTDIR ? NotFound(msg) : Internal(msg);
}

}  // namespace

ProcFile::~ProcFile() { Close(); }

void ProcFile::Close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  reusable_ = false;
}

Status ProcFile::Open() {
  fd_ = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd_ < 0) return ErrnoStatus(path_, errno);
  struct statfs fs {};
  reusable_ =
      ::fstatfs(fd_, &fs) == 0 && (fs.f_type == PROC_SUPER_MAGIC || fs.f_type == SYSFS_MAGIC);
  return Status::Ok();
}

Result<std::string_view> ProcFile::Read() {
  // A kept descriptor can go stale (the device behind a sysfs file went away): then the
  // file is opened once more, as on a first read.
  for (int attempt = 0; attempt < 2; ++attempt) {
    const bool reused = fd_ >= 0;
    if (!reused) HW_RETURN_IF_ERROR(Open());
    size_t len = 0;
    int err = 0;
    for (;;) {
      if (buf_.size() - len < 4096) buf_.resize(std::max<size_t>(buf_.size() * 2, 16384));
      ssize_t n = ::pread(fd_, buf_.data() + len, buf_.size() - len, static_cast<off_t>(len));
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) {
        err = errno;
        break;
      }
      if (n == 0) break;
      len += static_cast<size_t>(n);
    }
    const bool keep = reusable_ && err == 0;
    if (!keep) Close();
    if (err == 0) return std::string_view(buf_.data(), len);
    if (!reused) return ErrnoStatus(path_, err);
  }
  return Internal(path_ + ": unreadable");  // not reached: the second attempt is a fresh open
}

}  // namespace hivewatch
