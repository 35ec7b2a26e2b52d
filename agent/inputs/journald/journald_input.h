// JournaldInput: reads the systemd journal with libsystemd's sd-journal (the local system
// journal, or the journal files in one directory) and hands entries to the LogSink with the
// journal cursor as the position. Resuming from a cursor continues strictly after that entry;
// a cursor the journal no longer has (vacuumed, rotated away, another machine's) is logged as a
// warning and reading starts at the oldest entry, so the input never stops silently.
// One reader thread; it sleeps on the journal's inotify descriptor while there is nothing new.
// Start and Stop from one thread (the owner's).
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "agent/inputs/logs.h"
#include "common/status.h"

namespace hivewatch {

// [inputs.journald] in the agent's TOML (docs/configuration.md).
struct JournaldInputConfig {
  // A directory of journal files (e.g. /var/log/journal/<machine-id>, or where
  // systemd-journal-remote writes). Empty: the system journal, i.e. every journal file of the
  // local machine (runtime and persistent). Default: empty.
  std::string directory;
  // Only entries whose _SYSTEMD_UNIT is one of these ("nginx.service"; a name without a '.'
  // gets ".service" appended, as `journalctl -u` does). Empty: every entry. Default: empty.
  std::vector<std::string> units;
  // Journal fields copied into the record's fields, named in lower case without leading
  // underscores ("_PID" → "pid", "_HOSTNAME" → "hostname"); at most 31 (the wire allows 32
  // fields per record). Default: ["_SYSTEMD_UNIT", "_PID"].
  std::vector<std::string> fields = {"_SYSTEMD_UNIT", "_PID"};
  // Where to start when there is no checkpoint for this journal (the very first run):
  // "beginning" (the oldest entry) or "end" (only entries written from now on).
  // Default "beginning".
  std::string start_at = "beginning";
  // Entries handed to the sink per Emit call at most (a batch also ends at 4 MiB of messages).
  // Default 1000.
  size_t max_batch_entries = 1000;
};

// Checks a configuration without opening the journal (for --check-config). Errors name the key.
Status ValidateJournaldInputConfig(const JournaldInputConfig& config);

// The checkpoint key: "journald:<directory>", or "journald:system" for the system journal.
std::string JournaldCheckpointKey(const JournaldInputConfig& config);

class JournaldInput : public LogInput {
 public:
  explicit JournaldInput(JournaldInputConfig config);
  ~JournaldInput() override;  // Stop()
  JournaldInput(const JournaldInput&) = delete;
  JournaldInput& operator=(const JournaldInput&) = delete;

  const char* Name() const override { return "journald"; }
  // Opens the journal and positions it (resume[JournaldCheckpointKey] when present, else
  // start_at), then starts the reader thread. Fails when the configuration is invalid or the
  // journal cannot be opened (e.g. `directory` does not exist).
  Status Start(const Checkpoints& resume, LogSink* sink) override;
  void Stop() override;

 private:
  struct Impl;
  JournaldInputConfig config_;
  std::unique_ptr<Impl> impl_;
};

}  // namespace hivewatch
