// RecordBuilder: turns the bytes of one file, in order, into LogRecords and keeps track of the
// file offset after the last record handed out (the checkpoint). No I/O; one per tracked file;
// not thread-safe.
//
// Per line: '\n' ends it (a '\r' before it is dropped); a line over max_line_bytes is split
// (SplitLongLine, every piece but the last marked hw_truncated="true") and a partial line that
// grows past max_line_bytes without '\n' is split the same way (memory stays bounded); invalid
// UTF-8 is repaired; lines go through the MultilineAssembler when multi-line is configured (a
// split long line ends the pending record and bypasses it); then logparse::ParseLine.
#pragma once

#include <cstdint>
#include <optional>
#include <regex>
#include <string>
#include <string_view>
#include <vector>

#include "agent/inputs/logparse/logparse.h"
#include "common/batch.h"

namespace hivewatch {

struct RecordOptions {
  std::string service;
  std::string path_field;  // "" = no path field
  std::string path_value;
  size_t max_line_bytes = 256 * 1024;
  std::optional<std::regex> multiline_start;
  bool multiline_indent = false;
  size_t multiline_max_lines = 500;
  logparse::ParseOptions parse;

  bool multiline() const { return multiline_start.has_value() || multiline_indent; }
};

class RecordBuilder {
 public:
  // `offset`: the file offset of the first byte that will be consumed.
  RecordBuilder(const RecordOptions& options, uint64_t offset);

  // Consumes the file's next bytes (those at next_offset()) and appends every record they
  // complete to `out`. `fallback_ts_ms` is used for lines without a recognisable time.
  void Consume(std::string_view data, int64_t fallback_ts_ms, int64_t now_ms,
               std::vector<LogRecord>* out);
  // Hands out the pending multi-line record, if any (its idle timeout passed). True if it did.
  bool FlushPending(int64_t fallback_ts_ms, int64_t now_ms, std::vector<LogRecord>* out);
  // The file is done for good: the pending record and a last line without '\n' are handed out.
  void FlushAll(int64_t fallback_ts_ms, int64_t now_ms, std::vector<LogRecord>* out);
  // Forgets everything buffered and restarts at `offset` (truncation).
  void Reset(uint64_t offset);

  // Where the next record starts: after the last record handed out. Everything before it has
  // been given out; the pending multi-line record and a partial line are after it.
  uint64_t committed() const {
    return has_pending() ? pending_start_ : next_offset_ - carry_.size();
  }
  // The offset of the next byte Consume expects.
  uint64_t next_offset() const { return next_offset_; }
  bool has_pending() const { return assembler_ && assembler_->has_pending(); }
  // The path field's value for this file's records.
  void set_path_value(std::string value) { options_.path_value = std::move(value); }

 private:
  // One complete line (without '\n'), starting at file offset `start`.
  void Line(std::string_view raw, uint64_t start, std::vector<LogRecord>* out);
  // Pieces of a line too long for one record; `last_is_end` = the last piece ends the line.
  void Pieces(std::string_view raw, bool last_is_end, std::vector<LogRecord>* out);
  void Make(std::string_view text, bool truncated, std::vector<LogRecord>* out);

  RecordOptions options_;
  std::optional<logparse::MultilineAssembler> assembler_;
  uint64_t next_offset_;
  uint64_t pending_start_ = 0;  // file offset of the pending multi-line record's first line
  std::string carry_;           // the partial line at the end: [next_offset_ - size, next_offset_)
  std::string repaired_;        // scratch for RepairUtf8
  int64_t fallback_ts_ms_ = 0;
  int64_t now_ms_ = 0;
};

}  // namespace hivewatch
