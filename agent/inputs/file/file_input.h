// FileInput: tails the files matching `[[inputs.file]]` globs into a LogSink, one thread per
// input, woken by inotify on the files' directories and polling every poll_interval as a safety
// net. Start/Stop are called from one thread; the rest runs on the input's own thread.
//
// Guarantees (with a sink that keeps the emitted positions, see logs.h):
// - Files are identified by (st_dev, st_ino) plus a fingerprint of their first bytes
//   (file_position.h), so a reused inode or a rewritten file is not mistaken for the old one.
// - Every Emit carries the records completed by one read and the position after the last of
//   them: never after a partial line (no '\n' yet) or a multi-line record still pending.
//   Given those positions back in `resume`, a new FileInput continues exactly after them.
// - Rotation by rename: the old file stays open and is read to its end; a new file at the old
//   path is read only after the old one has been drained up to the moment the new one was
//   looked at, so lines come out in the order they were written. The old file is closed once it
//   no longer matches `paths` and has not grown for `rotate_wait`; its key is then emitted with
//   an EMPTY position (forget it).
// - copytruncate: a file that becomes shorter than what was read (or whose first bytes change)
//   is read again from 0. The copy (a new file whose first bytes are those of the truncated
//   one, in the same directory or matched by `paths`) is read from the truncated file's
//   checkpoint on, before the file's new content, and not from its beginning: nothing is lost
//   or repeated even when the copy was made before the last lines were read. A file whose
//   content equals the beginning of a file being read is held as a possible copy until it
//   diverges (then it is read from 0) or the original is truncated or gone.
// - A deleted file is read to its end while it is open, then handled as a rotated one.
// - On restart, a checkpointed file is looked up at its path, else by inode in the same
//   directory (renamed while the agent was down). Found with other first bytes (truncated while
//   down, maybe renamed too), it is read from 0 after its copy: the newest untracked file in
//   its directory starting with the checkpoint's fingerprint, read from the checkpoint's offset.
//   A file that is gone is forgotten; its copy, if there is one, is read from the offset too.
//   The files of one log found at the start (same name, or the log's file name followed by
//   '.', '-' or '_') are chained oldest first by mtime, the live file last, each copy right
//   before the truncated file it came from (OrderLineages), so order survives several
//   rotations of either kind while the agent was down.
#pragma once

#include <atomic>
#include <memory>
#include <thread>

#include "agent/inputs/file/file_input_config.h"
#include "agent/inputs/logs.h"

namespace hivewatch {

class FileTailer;  // the state owned by the input's thread (file_input.cc)
class DirWatcher;

class FileInput : public LogInput {
 public:
  // `config` must have passed ValidateFileInputConfig (Start re-checks and fails otherwise).
  explicit FileInput(FileInputConfig config);
  ~FileInput() override;  // Stop()

  const char* Name() const override { return "file"; }
  // Starts the thread, which first locates the files in `resume` and scans `paths`. Fails only
  // on an invalid configuration. Calling Start again after Stop starts over from `resume`.
  Status Start(const Checkpoints& resume, LogSink* sink) override;
  void Stop() override;

 private:
  void Run(std::unique_ptr<FileTailer> tailer, const Checkpoints& resume);

  FileInputConfig config_;
  std::thread thread_;
  std::unique_ptr<DirWatcher> watcher_;  // the thread waits on it; Stop wakes it
  std::atomic<bool> stop_{false};
};

}  // namespace hivewatch
