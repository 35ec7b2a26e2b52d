// How the file input identifies a file across renames and restarts, and the checkpoint it
// emits for it (see logs.h for how checkpoints travel). Pure functions, no I/O.
//
// Checkpoint key: "file:<dev>:<ino>" (decimal st_dev and st_ino). Value: a JSON object
//   {"path": where the file was last seen, "name": the path its lines were written under,
//    "offset": bytes before the next record, "fp_len": N, "fp": "<16 hex digits>"}
// where fp is the 64-bit FNV-1a hash of the file's first N bytes (N = min(size, 1024) when it
// was last checked; a file shorter than 1024 bytes gets a longer fingerprint as it grows). The
// fingerprint tells a reused inode or a rewritten file from the one the offset belongs to.
// An EMPTY value means "forget this key": the file is gone and fully read (the checkpoint
// store should delete the key once the records before it are delivered).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/status.h"

namespace hivewatch {

inline constexpr size_t kFingerprintBytes = 1024;

struct Fingerprint {
  uint64_t len = 0;
  uint64_t hash = 0xcbf29ce484222325ULL;  // FNV-1a of nothing

  bool operator==(const Fingerprint& o) const { return len == o.len && hash == o.hash; }
  bool operator!=(const Fingerprint& o) const { return !(*this == o); }
};

// Fingerprint of `first_bytes` (the caller passes at most kFingerprintBytes).
Fingerprint ComputeFingerprint(std::string_view first_bytes);

struct FileId {
  uint64_t dev = 0;
  uint64_t ino = 0;
  bool operator<(const FileId& o) const { return dev != o.dev ? dev < o.dev : ino < o.ino; }
  bool operator==(const FileId& o) const { return dev == o.dev && ino == o.ino; }
};

struct FilePosition {
  std::string path;
  std::string name;
  uint64_t offset = 0;
  Fingerprint fp;
};

std::string CheckpointKey(const FileId& id);
// False unless `key` is "file:<dev>:<ino>".
bool ParseCheckpointKey(const std::string& key, FileId* id);

std::string EncodePosition(const FilePosition& position);
// Errors name what is wrong with the value.
Result<FilePosition> DecodePosition(const std::string& value);

}  // namespace hivewatch
