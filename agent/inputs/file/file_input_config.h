// FileInputConfig: the options of one `[[inputs.file]]` table (the integrator reads the TOML into
// it; docs/configuration.md mirrors the fields below, TOML key first). Plain values, no I/O.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "common/status.h"

namespace hivewatch {

struct FileInputConfig {
  enum class StartAt { kEnd, kBeginning };

  // `paths`: glob(3) patterns of the files to tail (`*`, `?`, `[...]`, `{a,b}`; no `**`).
  // Required, at least one; each must be an absolute path. Patterns are matched again every
  // `scan_interval`, so files created later are picked up. Only regular files are read (a
  // symlink is followed and the file it points to is tracked).
  std::vector<std::string> paths;

  // `exclude`: patterns of files to skip, default none. A pattern with a '/' is matched against
  // the whole path, one without against the file name (fnmatch(3)): `"*.gz"` skips compressed
  // rotations anywhere, `"/var/log/debug/*"` one directory.
  std::vector<std::string> exclude;

  // `service`: the service of every record. Default "": the file name up to its first '.'
  // (`/var/log/nginx/error.log` → "error", `/var/log/syslog` → "syslog").
  std::string service;

  // `start_at`: "end" (default) or "beginning" — where to start in a file that has no
  // checkpoint and is found by the first scan after the agent starts. "end" starts after the
  // last complete line. Files that appear later (new files, rotations) are always read from the
  // beginning, and so is a file found at a path where a checkpointed file used to be or named
  // like a rotation of one (`app.log.2` next to a checkpointed `app.log`): it was rotated while
  // the agent was down.
  StartAt start_at = StartAt::kEnd;

  // `max_line_bytes`: longest record, default 262144 (256 KiB), from 256 to 1048576. A longer
  // line is split into pieces of at most this size (never inside a UTF-8 sequence); every piece
  // but the last carries the field hw_truncated = "true". Also bounds what is buffered per file.
  size_t max_line_bytes = 256 * 1024;

  // `multiline.start`: a regular expression (ECMAScript syntax, searched anywhere in the line;
  // anchor it with ^) that matches the first line of a record; the lines that follow up to the
  // next match are joined to it with '\n'. Default "" (off).
  std::string multiline_start;
  // `multiline.indent`: without a start pattern, continuation lines join the previous record:
  // lines starting with a space or tab, "Caused by:", "Suppressed:", a Java exception class
  // name ("java.lang.IllegalStateException: boom"), and the parts of a Python traceback
  // (logparse::MultilineAssembler). Default false. Set at most one of `multiline.start` and
  // `multiline.indent`.
  bool multiline_indent = false;
  // `multiline.timeout`: a pending multi-line record is sent after this long without a new line
  // in its file (its end cannot be known before the next record starts). Default 1 s,
  // from 10 ms to 1 min.
  int64_t multiline_timeout_ms = 1000;
  // `multiline.max_lines`: a record is cut after this many lines (the rest starts a new one).
  // Default 500, from 2 to 100000. Records are also cut at `max_line_bytes`.
  size_t multiline_max_lines = 500;

  // `parse_json`, `parse_logfmt`: turn JSON object lines / logfmt lines (at least two key=value
  // pairs) into fields, message, level and time. Both default true.
  bool parse_json = true;
  bool parse_logfmt = true;

  // `path_field`: name of the field holding the path the lines were written under (the path a
  // file was first found at, kept across renames). Default "file"; "" leaves it out.
  std::string path_field = "file";

  // `poll_interval`: files are read as soon as inotify reports a change in their directory;
  // besides, idle files are checked this often for new data, truncation and deletion (network
  // file systems, where inotify sees nothing). Default 250 ms, from 1 ms to 1 min. Files with
  // data are read continuously.
  int64_t poll_interval_ms = 250;
  // `scan_interval`: `paths` are matched again at once when inotify reports a file created,
  // renamed or deleted in a watched directory, and at least this often. Default 1 s, from
  // 1 ms to 1 h.
  int64_t scan_interval_ms = 1000;
  // `rotate_wait`: a file that no longer matches `paths` (renamed away, deleted) is read to its
  // end and kept open until it has not grown for this long (a writer may still hold it), then
  // closed and its checkpoint dropped. Default 5 s, from 0 to 1 h.
  int64_t rotate_wait_ms = 5000;

  // `read_bytes`: size of one read(2); each read's complete records go to the sink together
  // (so this also bounds the records in flight per file: about 3x this in memory).
  // Default 262144 (256 KiB), from 4096 to 64 MiB.
  size_t read_bytes = 256 * 1024;
};

// Checks ranges, the regular expression and the paths; the message names the key
// ("multiline.start: ...").
Status ValidateFileInputConfig(const FileInputConfig& config);

// "end" / "beginning" (the TOML values).
Result<FileInputConfig::StartAt> ParseStartAt(const std::string& text);

}  // namespace hivewatch
