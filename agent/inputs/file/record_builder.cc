#include "agent/inputs/file/record_builder.h"

#include <cstring>
#include <utility>

namespace hivewatch {

RecordBuilder::RecordBuilder(const RecordOptions& options, uint64_t offset)
    : options_(options), next_offset_(offset) {
  if (options_.multiline()) {
    logparse::MultilineAssembler::Options m;
    m.start = options_.multiline_start;
    m.max_bytes = options_.max_line_bytes;
    m.max_lines = options_.multiline_max_lines;
    assembler_.emplace(std::move(m));
  }
}

void RecordBuilder::Consume(std::string_view data, int64_t fallback_ts_ms, int64_t now_ms,
                            std::vector<LogRecord>* out) {
  fallback_ts_ms_ = fallback_ts_ms;
  now_ms_ = now_ms;
  size_t pos = 0;
  if (!carry_.empty()) {
    const void* nl = std::memchr(data.data(), '\n', data.size());
    if (nl == nullptr) {
      carry_.append(data);
      next_offset_ += data.size();
    } else {
      size_t n = static_cast<size_t>(static_cast<const char*>(nl) - data.data());
      uint64_t start = next_offset_ - carry_.size();
      std::string line = std::move(carry_);
      carry_.clear();
      line.append(data.data(), n);
      next_offset_ += n + 1;
      Line(line, start, out);
      pos = n + 1;
    }
  }
  // The common case: lines in place, no copies.
  if (carry_.empty()) {
    while (pos < data.size()) {
      const void* nl = std::memchr(data.data() + pos, '\n', data.size() - pos);
      if (nl == nullptr) break;
      size_t n = static_cast<size_t>(static_cast<const char*>(nl) - (data.data() + pos));
      uint64_t start = next_offset_;
      next_offset_ += n + 1;
      Line(data.substr(pos, n), start, out);
      pos += n + 1;
    }
    if (pos < data.size()) {
      carry_.assign(data.data() + pos, data.size() - pos);
      next_offset_ += data.size() - pos;
    }
  }
  // A partial line never grows past max_line_bytes: its head goes out as truncated pieces.
  if (carry_.size() > options_.max_line_bytes) {
    std::vector<std::string_view> pieces = logparse::SplitLongLine(carry_, options_.max_line_bytes);
    if (pieces.size() > 1) {
      FlushPending(fallback_ts_ms, now_ms, out);
      size_t emitted = 0;
      for (size_t i = 0; i + 1 < pieces.size(); ++i) {
        Pieces(pieces[i], /*last_is_end=*/false, out);
        emitted += pieces[i].size();
      }
      carry_.erase(0, emitted);
    }
  }
}

void RecordBuilder::Line(std::string_view raw, uint64_t start, std::vector<LogRecord>* out) {
  if (!raw.empty() && raw.back() == '\r') raw.remove_suffix(1);
  // Empty lines carry nothing, except inside a multi-line record (a Python traceback).
  if (raw.empty() && !assembler_) return;
  std::string_view text = raw;
  if (!logparse::IsValidUtf8(raw)) {
    repaired_ = logparse::RepairUtf8(raw);
    text = repaired_;
  }
  if (text.size() > options_.max_line_bytes) {
    FlushPending(fallback_ts_ms_, now_ms_, out);
    Pieces(raw, /*last_is_end=*/true, out);
    return;
  }
  if (!assembler_) {
    Make(text, false, out);
    return;
  }
  bool had_pending = assembler_->has_pending();
  std::optional<std::string> record = assembler_->Add(text);
  if (record) Make(*record, false, out);
  // This line opened a new pending record: the checkpoint may not pass its start.
  if (assembler_->has_pending() && (record || !had_pending)) pending_start_ = start;
}

void RecordBuilder::Pieces(std::string_view raw, bool last_is_end, std::vector<LogRecord>* out) {
  std::vector<std::string_view> pieces = logparse::SplitLongLine(raw, options_.max_line_bytes);
  for (size_t i = 0; i < pieces.size(); ++i) {
    bool truncated = i + 1 < pieces.size() || !last_is_end;
    if (logparse::IsValidUtf8(pieces[i])) {
      Make(pieces[i], truncated, out);
      continue;
    }
    // Repairing can lengthen a piece (one invalid byte becomes three): split it again.
    std::string fixed = logparse::RepairUtf8(pieces[i]);
    std::vector<std::string_view> sub = logparse::SplitLongLine(fixed, options_.max_line_bytes);
    for (size_t j = 0; j < sub.size(); ++j) Make(sub[j], truncated || j + 1 < sub.size(), out);
  }
}

void RecordBuilder::Make(std::string_view text, bool truncated, std::vector<LogRecord>* out) {
  if (text.empty()) return;  // a multi-line "record" that was one empty line
  LogRecord record = logparse::ParseLine(text, fallback_ts_ms_, now_ms_, options_.parse);
  record.service = options_.service;
  if (!options_.path_field.empty()) {
    record.fields.insert_or_assign(options_.path_field, options_.path_value);
  }
  if (truncated) record.fields.insert_or_assign("hw_truncated", "true");
  out->push_back(std::move(record));
}

bool RecordBuilder::FlushPending(int64_t fallback_ts_ms, int64_t now_ms,
                                 std::vector<LogRecord>* out) {
  if (!has_pending()) return false;
  fallback_ts_ms_ = fallback_ts_ms;
  now_ms_ = now_ms;
  std::optional<std::string> record = assembler_->Flush();
  if (record) Make(*record, false, out);
  return true;
}

void RecordBuilder::FlushAll(int64_t fallback_ts_ms, int64_t now_ms, std::vector<LogRecord>* out) {
  fallback_ts_ms_ = fallback_ts_ms;
  now_ms_ = now_ms;
  if (!carry_.empty()) {
    std::string line = std::move(carry_);
    carry_.clear();
    Line(line, next_offset_ - line.size(), out);
  }
  FlushPending(fallback_ts_ms, now_ms, out);
}

void RecordBuilder::Reset(uint64_t offset) {
  if (assembler_) assembler_->Flush();
  carry_.clear();
  next_offset_ = offset;
}

}  // namespace hivewatch
