// Spool: the agent's durable FIFO of encoded batches, so nothing Append returned for is lost
// across a crash or a collector outage. Thread-safe: meant for one producer (Append) and one
// shipper (Peek/Ack) thread; every method may be called from any thread.
//
// On disk (<dir>/): segment files `seg-<seq>.log`, each a run of records
//   [magic u32][len u32][crc32 u32][id_len u16][meta_len u32][batch_id][meta][payload]
// (little-endian; records of the first format, without meta, are still read)
// where len counts the bytes after the 12-byte header and crc32 (zlib) covers len and those
// bytes; and `ack`, the position (segment, offset) of the oldest unacknowledged record,
// replaced atomically (write, fsync, rename). A reopened spool resumes exactly there.
//
// Acks are made durable lazily: Ack moves the position in memory and writes `ack` only every
// `ack_sync_every` acks, when a segment is deleted or the cap drops data, and on destruction
// (a clean shutdown). Why this is safe: an ack lost by a crash (kill -9, power loss) only means
// that up to ack_sync_every - 1 records the collector already committed are pushed again after
// the restart, and the collector deduplicates by batch_id (2xx, nothing stored twice). No
// record is ever lost: appends stay fsynced, and `ack` never points past a durable record.
// The agent's log positions stay right too: the shipper writes a record's positions to
// state.db (CheckpointStore) before it acks the record — that order is unchanged — so state.db
// is never behind the durable ack; a restart overlays state.db with the metas of the records
// still in the spool, oldest first, so it resumes after the newest spooled record as before,
// and the re-sent records' positions are applied again in order. Before, the two fsyncs of
// each ack were the biggest CPU cost of a metric cycle (docs/benchmarks.md).
// A damaged record (bad magic/len/crc, or a tail torn by a crash) is skipped up to the next
// valid record, counted and logged once per file. Memory use is one record, whatever the
// backlog.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "common/status.h"

namespace hivewatch {

struct SpoolRecord {
  std::string batch_id;
  std::string payload;
  std::string meta;  // travels with the record, e.g. the log inputs' positions it reaches
};

struct SpoolOptions {
  std::string dir;                              // usually <state_dir>/spool; created if absent
  uint64_t segment_bytes = 4ull * 1024 * 1024;  // roll to a new segment beyond this
  uint64_t max_bytes = 256ull * 1024 * 1024;    // drop the oldest segments beyond this
  // Called (under the spool's lock: it must not call the spool) with each unacknowledged record
  // the size cap drops, e.g. to count the log lines lost. Optional.
  std::function<void(const SpoolRecord&)> on_drop = nullptr;
  // Write the ack position to disk (two fsyncs) after this many acks; 1 = on every ack. A crash
  // re-sends at most ack_sync_every - 1 acknowledged records (see above). Must be > 0.
  uint32_t ack_sync_every = 16;
};

class Spool {
 public:
  // The largest record Append accepts; anything longer on disk is treated as corruption.
  static constexpr uint32_t kMaxRecordBytes = 64u * 1024 * 1024;
  static constexpr uint32_t kMaxMetaBytes = 16u * 1024 * 1024;

  // Opens (or creates) the spool in options.dir. Fails on I/O errors (e.g. the directory
  // cannot be created), never because of damaged content.
  static Result<std::unique_ptr<Spool>> Open(SpoolOptions options);
  ~Spool();
  Spool(const Spool&) = delete;
  Spool& operator=(const Spool&) = delete;

  // Appends a record and returns once it is on disk (fdatasync). When the spool then exceeds
  // max_bytes, whole oldest segments are dropped (never the one being written).
  // `meta` is stored atomically with the record and returned with it.
  Status Append(const std::string& batch_id, std::string_view payload, std::string_view meta = {});

  // The oldest unacknowledged record, or nullopt when there is none. Repeated calls return
  // the same record until it is acknowledged. Errors are I/O failures only.
  Result<std::optional<SpoolRecord>> Peek();

  // Removes the oldest record, which must be `batch_id` (kInvalidArgument otherwise, e.g.
  // after it was dropped by the size cap). The new position is durable before returning only
  // every ack_sync_every acks (or when a segment is deleted); SyncAcks forces it.
  Status Ack(const std::string& batch_id);
  // Makes the current ack position durable now if an ack is pending (the destructor does too).
  Status SyncAcks();

  // Calls `fn` with every unacknowledged record, oldest first (damaged ones skipped), e.g. to
  // recover the positions spooled data reaches after a restart. Reads the whole backlog.
  Status ScanUnacked(const std::function<void(const SpoolRecord&)>& fn);

  // Waits until a record is available, Interrupt() is called or `deadline` passes; returns
  // whether a record is available.
  bool WaitForRecord(std::chrono::steady_clock::time_point deadline);
  // Wakes every WaitForRecord (for shutdown).
  void Interrupt();

  uint64_t bytes() const;            // size of the segment files on disk
  uint64_t corrupt_records() const;  // damaged regions skipped since Open
  uint64_t dropped_batches() const;  // unacknowledged records dropped by the size cap
  size_t segment_count() const;

 private:
  struct Segment {
    uint64_t seq = 0;
    uint64_t size = 0;  // bytes known to be complete (for the active one: committed appends)
    bool corruption_logged = false;
  };
  enum class ReadResult { kOk, kEnd, kCorrupt };

  explicit Spool(SpoolOptions options);
  Status Load();
  std::string SegmentPath(uint64_t seq) const;
  bool HasRecordLocked();
  Status FindHeadLocked();
  ReadResult ReadRecordLocked(int fd, const Segment& seg, uint64_t offset, SpoolRecord* record,
                              uint64_t* next_offset, Status* io_error);
  uint64_t ResyncLocked(int fd, const Segment& seg, uint64_t from, Status* io_error);
  Status OpenReaderLocked();
  void CloseReaderLocked();
  Status OpenWriterLocked();
  void CloseWriterLocked();
  Status PersistAckLocked();
  Status EnforceCapLocked();
  uint64_t CountRecordsLocked(const Segment& seg, uint64_t from);
  Status RemoveFrontSegmentLocked();
  bool IsActive(const Segment& seg) const;

  const SpoolOptions options_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool interrupted_ = false;

  std::deque<Segment> segments_;  // oldest first; the reader is always in segments_.front()
  uint64_t read_offset_ = 0;      // in segments_.front()
  int reader_fd_ = -1;
  uint64_t reader_seq_ = 0;
  int writer_fd_ = -1;  // appends go to segments_.back() while open
  uint64_t next_seq_ = 1;

  // The head record once located: valid until Ack or a cap drop moves the reader.
  bool head_valid_ = false;
  SpoolRecord head_;
  uint64_t head_next_offset_ = 0;

  uint32_t unsynced_acks_ = 0;  // acks since the position was last written
  uint64_t bytes_ = 0;
  uint64_t corrupt_records_ = 0;
  uint64_t dropped_batches_ = 0;
};

}  // namespace hivewatch
