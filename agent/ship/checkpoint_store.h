// CheckpointStore: the log inputs' delivered positions, kept in the agent's state database
// (<state_dir>/state.db, SQLite, synchronous=FULL). A position is written here only once the
// collector has committed the batch that reaches it (Shipper's on_acked); together with the
// positions carried by the spool's unacknowledged records it tells every input where to resume
// (ResumePoints). Thread-safe.
#pragma once

#include <memory>
#include <string>

#include "agent/inputs/logs.h"
#include "common/status.h"

namespace hivewatch {

class CheckpointStore {
 public:
  static Result<std::unique_ptr<CheckpointStore>> Open(const std::string& path);
  ~CheckpointStore();
  CheckpointStore(const CheckpointStore&) = delete;
  CheckpointStore& operator=(const CheckpointStore&) = delete;

  // Every stored key → position.
  Result<Checkpoints> Load();
  // Applies `changes` in one durable transaction; an empty position deletes its key.
  // Idempotent: applying the same changes twice is harmless.
  Status Apply(const Checkpoints& changes);

 private:
  struct Impl;
  explicit CheckpointStore(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Checkpoint changes as stored in a spool record's meta: a JSON object of strings.
std::string EncodeCheckpoints(const Checkpoints& changes);
Result<Checkpoints> DecodeCheckpoints(const std::string& meta);

// Overlays `changes` on `base` (an empty position removes the key).
void MergeCheckpoints(const Checkpoints& changes, Checkpoints* base);

}  // namespace hivewatch
