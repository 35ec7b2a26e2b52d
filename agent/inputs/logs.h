// What log inputs produce, and how their read positions ("checkpoints") travel with the data.
//
// A LogInput (file tail, journald, syslog) runs its own thread(s) and hands records to a LogSink
// (the agent's batcher) together with the position reached after them. The batcher puts the
// records in a batch and the positions in the same spool record; a position counts as
// delivered only when the collector has committed that batch. On restart an input is given
// back, per checkpoint key, the newest position that is safely delivered or safely spooled, and
// must continue exactly after it: no line lost, none read twice.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "common/batch.h"
#include "common/status.h"

namespace hivewatch {

// Checkpoint key → position. Keys are chosen by the input and start with its name and a colon
// ("file:…", "journald:…") so inputs never collide; values are opaque to everything else
// (the input serialises whatever it needs, e.g. JSON). An input may emit many keys (one per
// file) and must accept keys it no longer knows about (e.g. a file that has gone away).
using Checkpoints = std::map<std::string, std::string>;

class LogSink {
 public:
  virtual ~LogSink() = default;
  // Takes `records` (appended in order) and, if `checkpoint_key` is not empty, records that
  // after them the source identified by that key is at `position`. Thread-safe; several inputs
  // call it concurrently. May block while the batcher flushes (backpressure: the input simply
  // reads more slowly). Returns false once the agent is stopping: the records may not have been
  // taken, the input should stop reading (its position stays where the last true call left
  // it). Records must have service set (level defaults to info, ts_ms to "now" when 0).
  virtual bool Emit(std::vector<LogRecord> records, const std::string& checkpoint_key,
                    const std::string& position) = 0;
};

class LogInput {
 public:
  virtual ~LogInput() = default;
  virtual const char* Name() const = 0;  // "file", "journald", "syslog"
  // Starts reading in background thread(s), resuming from `resume` (this input's keys only;
  // empty on the very first run). Returns an error if the input cannot start at all (e.g. a
  // port cannot be bound); problems with single sources are logged and retried instead.
  virtual Status Start(const Checkpoints& resume, LogSink* sink) = 0;
  // Stops the threads; no Emit call is in progress or made after it returns. Idempotent.
  virtual void Stop() = 0;
};

}  // namespace hivewatch
