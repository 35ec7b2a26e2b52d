#include "agent/ship/spool.h"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <vector>

namespace hivewatch {
namespace {

// Record layouts, told apart by their magic ("HWPn" read as little-endian bytes):
//   HWP1: [id_len u16][batch_id][payload]                  (first format, still read)
//   HWP2: [id_len u16][meta_len u32][batch_id][meta][payload]
constexpr uint32_t kMagicV1 = 0x31505748;
constexpr uint32_t kMagic = 0x32505748;
constexpr size_t kHeaderBytes = 12;  // magic, len, crc32
constexpr uint32_t kMaxBodyBytes = Spool::kMaxRecordBytes + 6 + 65535 + Spool::kMaxMetaBytes;
constexpr char kAckFile[] = "ack";
constexpr char kAckTmpFile[] = "ack.tmp";

void PutU32(char* p, uint32_t v) {
  for (int i = 0; i < 4; ++i) p[i] = static_cast<char>((v >> (8 * i)) & 0xFF);
}
uint32_t GetU32(const char* p) {
  uint32_t v = 0;
  for (int i = 0; i < 4; ++i)
    v |= static_cast<uint32_t>(static_cast<unsigned char>(p[i])) << (8 * i);
  return v;
}

// crc32 over the 4 length bytes and the body, so a damaged length is caught as well.
uint32_t RecordCrc(const char* len_bytes, const char* body, size_t body_len) {
  uLong crc = crc32(0L, Z_NULL, 0);
  crc = crc32(crc, reinterpret_cast<const Bytef*>(len_bytes), 4);
  // zlib takes uInt lengths; bodies are far below 4 GiB (kMaxBodyBytes).
  crc = crc32(crc, reinterpret_cast<const Bytef*>(body), static_cast<uInt>(body_len));
  return static_cast<uint32_t>(crc);
}

std::string Errno(const std::string& what) { return what + ": " + std::strerror(errno); }

// Reads exactly n bytes at offset. Returns 1 on success, 0 on a short file, -1 on error.
int PreadFull(int fd, char* buf, size_t n, uint64_t offset) {
  size_t done = 0;
  while (done < n) {
    ssize_t r = pread(fd, buf + done, n - done, static_cast<off_t>(offset + done));
    if (r < 0) {
      if (errno == EINTR) continue;
      return -1;
    }
    if (r == 0) return 0;
    done += static_cast<size_t>(r);
  }
  return 1;
}

Status FsyncDir(const std::string& dir) {
  int fd = open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return Internal(Errno("spool: open " + dir));
  int rc = fsync(fd);
  close(fd);
  if (rc != 0) return Internal(Errno("spool: fsync " + dir));
  return Status::Ok();
}

// Parses "seg-<digits>.log".
std::optional<uint64_t> ParseSegmentName(const std::string& name) {
  constexpr std::string_view kPrefix = "seg-", kSuffix = ".log";
  if (name.size() <= kPrefix.size() + kSuffix.size() || name.compare(0, 4, kPrefix) != 0 ||
      name.compare(name.size() - 4, 4, kSuffix) != 0) {
    return std::nullopt;
  }
  std::string digits = name.substr(4, name.size() - 8);
  if (digits.size() > 18 ||
      !std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return std::nullopt;
  }
  return std::stoull(digits);
}

}  // namespace

Spool::Spool(SpoolOptions options) : options_(std::move(options)) {}

Spool::~Spool() {
  Status st = SyncAcks();
  if (!st.ok()) spdlog::warn("{} (the last acknowledged records will be sent again)", st.message());
  CloseReaderLocked();
  CloseWriterLocked();
}

Result<std::unique_ptr<Spool>> Spool::Open(SpoolOptions options) {
  if (options.dir.empty()) return InvalidArgument("spool: no directory given");
  if (options.segment_bytes == 0) return InvalidArgument("spool: segment_bytes must be > 0");
  if (options.ack_sync_every == 0) return InvalidArgument("spool: ack_sync_every must be > 0");
  std::unique_ptr<Spool> spool(new Spool(std::move(options)));
  std::lock_guard<std::mutex> lock(spool->mu_);
  HW_RETURN_IF_ERROR(spool->Load());
  return spool;
}

std::string Spool::SegmentPath(uint64_t seq) const {
  char name[40];
  std::snprintf(name, sizeof name, "seg-%06llu.log", static_cast<unsigned long long>(seq));
  return options_.dir + "/" + name;
}

Status Spool::Load() {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::create_directories(options_.dir, ec);
  if (ec) return Internal("spool: cannot create " + options_.dir + ": " + ec.message());
  fs::remove(options_.dir + "/" + kAckTmpFile, ec);

  std::vector<Segment> found;
  for (const auto& entry : fs::directory_iterator(options_.dir, ec)) {
    auto seq = ParseSegmentName(entry.path().filename().string());
    if (!seq) continue;
    std::error_code size_ec;
    uint64_t size = fs::file_size(entry.path(), size_ec);
    if (size_ec) return Internal("spool: stat " + entry.path().string() + ": " + size_ec.message());
    found.push_back(Segment{*seq, size, false});
  }
  if (ec) return Internal("spool: cannot list " + options_.dir + ": " + ec.message());
  std::sort(found.begin(), found.end(),
            [](const Segment& a, const Segment& b) { return a.seq < b.seq; });

  // The ack position; without one (first start, or unreadable) everything is resent, which
  // the collector's dedup makes safe.
  uint64_t ack_seq = 0, ack_offset = 0;
  {
    std::ifstream in(options_.dir + "/" + kAckFile);
    if (in && !(in >> ack_seq >> ack_offset)) {
      spdlog::warn("spool: {}/{} is unreadable; resending the whole spool", options_.dir, kAckFile);
      ack_seq = ack_offset = 0;
    }
  }

  for (const Segment& seg : found) {
    next_seq_ = std::max(next_seq_, seg.seq + 1);
    if (seg.seq < ack_seq) {
      // Fully acknowledged; a crash came between writing the ack and deleting the file.
      if (unlink(SegmentPath(seg.seq).c_str()) != 0) {
        spdlog::warn("spool: cannot delete {}: {}", SegmentPath(seg.seq), std::strerror(errno));
      }
      continue;
    }
    segments_.push_back(seg);
    bytes_ += seg.size;
  }
  next_seq_ = std::max(next_seq_, ack_seq);
  if (!segments_.empty() && segments_.front().seq == ack_seq) {
    read_offset_ = std::min(ack_offset, segments_.front().size);
  }
  return Status::Ok();
}

bool Spool::IsActive(const Segment& seg) const {
  return writer_fd_ >= 0 && !segments_.empty() && seg.seq == segments_.back().seq;
}

Status Spool::OpenReaderLocked() {
  const Segment& seg = segments_.front();
  if (reader_fd_ >= 0 && reader_seq_ == seg.seq) return Status::Ok();
  CloseReaderLocked();
  reader_fd_ = open(SegmentPath(seg.seq).c_str(), O_RDONLY | O_CLOEXEC);
  if (reader_fd_ < 0) return Internal(Errno("spool: open " + SegmentPath(seg.seq)));
  reader_seq_ = seg.seq;
  return Status::Ok();
}

void Spool::CloseReaderLocked() {
  if (reader_fd_ >= 0) close(reader_fd_);
  reader_fd_ = -1;
}

Status Spool::OpenWriterLocked() {
  uint64_t seq = next_seq_++;
  std::string path = SegmentPath(seq);
  writer_fd_ = open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC, 0640);
  if (writer_fd_ < 0) return Internal(Errno("spool: create " + path));
  // The new name must be durable too, or an fsynced record could vanish with its file.
  Status st = FsyncDir(options_.dir);
  if (!st.ok()) {
    CloseWriterLocked();
    unlink(path.c_str());
    return st;
  }
  segments_.push_back(Segment{seq, 0, false});
  return Status::Ok();
}

void Spool::CloseWriterLocked() {
  if (writer_fd_ >= 0) close(writer_fd_);
  writer_fd_ = -1;
}

Status Spool::Append(const std::string& batch_id, std::string_view payload, std::string_view meta) {
  if (batch_id.size() > 65535) return InvalidArgument("spool: batch_id longer than 65535 bytes");
  if (meta.size() > kMaxMetaBytes) {
    return TooLarge("spool: metadata of " + std::to_string(meta.size()) + " bytes exceeds " +
                    std::to_string(kMaxMetaBytes));
  }
  if (payload.size() > kMaxRecordBytes) {
    return TooLarge("spool: record of " + std::to_string(payload.size()) + " bytes exceeds " +
                    std::to_string(kMaxRecordBytes));
  }
  const size_t body_len = 6 + batch_id.size() + meta.size() + payload.size();
  std::string rec(kHeaderBytes + body_len, '\0');
  char* p = rec.data();
  PutU32(p, kMagic);
  PutU32(p + 4, static_cast<uint32_t>(body_len));
  char* body = p + kHeaderBytes;
  body[0] = static_cast<char>(batch_id.size() & 0xFF);
  body[1] = static_cast<char>(batch_id.size() >> 8);
  PutU32(body + 2, static_cast<uint32_t>(meta.size()));
  std::memcpy(body + 6, batch_id.data(), batch_id.size());
  // std::copy, not memcpy: an empty string_view may have a null data(), which memcpy may not
  // be given even for 0 bytes (UBSan reports it).
  std::copy(meta.begin(), meta.end(), body + 6 + batch_id.size());
  std::copy(payload.begin(), payload.end(), body + 6 + batch_id.size() + meta.size());
  PutU32(p + 8, RecordCrc(p + 4, body, body_len));

  std::lock_guard<std::mutex> lock(mu_);
  if (writer_fd_ >= 0 && segments_.back().size > 0 &&
      segments_.back().size + rec.size() > options_.segment_bytes) {
    CloseWriterLocked();
  }
  if (writer_fd_ < 0) HW_RETURN_IF_ERROR(OpenWriterLocked());
  Segment& seg = segments_.back();

  size_t done = 0;
  while (done < rec.size()) {
    ssize_t n = write(writer_fd_, rec.data() + done, rec.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    done += static_cast<size_t>(n);
  }
  if (done < rec.size() || fdatasync(writer_fd_) != 0) {
    Status st = Internal(Errno("spool: write " + SegmentPath(seg.seq)));
    // Cut off the partial record; if even that fails, the reader never looks past seg.size,
    // and the next append starts a fresh segment.
    if (ftruncate(writer_fd_, static_cast<off_t>(seg.size)) != 0) {
      spdlog::warn("spool: cannot truncate {}: {}", SegmentPath(seg.seq), std::strerror(errno));
    }
    CloseWriterLocked();
    return st;
  }
  seg.size += rec.size();
  bytes_ += rec.size();

  // The record is durable whatever happens here, so cap problems are logged, not returned.
  Status cap = EnforceCapLocked();
  if (!cap.ok()) spdlog::warn("{}", cap.message());
  cv_.notify_all();
  return Status::Ok();
}

Status Spool::EnforceCapLocked() {
  while (bytes_ > options_.max_bytes && segments_.size() > 1) {
    const Segment& front = segments_.front();
    uint64_t count = CountRecordsLocked(front, read_offset_);
    if (options_.on_drop && OpenReaderLocked().ok()) {
      SpoolRecord record;
      Status io_error;
      for (uint64_t off = read_offset_, next = 0;
           ReadRecordLocked(reader_fd_, front, off, &record, &next, &io_error) == ReadResult::kOk;
           off = next) {
        options_.on_drop(record);
      }
    }
    dropped_batches_ += count;
    spdlog::warn("spool: over its {} byte cap: dropped {} ({} unsent batches)", options_.max_bytes,
                 SegmentPath(front.seq), count);
    HW_RETURN_IF_ERROR(RemoveFrontSegmentLocked());
  }
  return Status::Ok();
}

uint64_t Spool::CountRecordsLocked(const Segment& seg, uint64_t from) {
  // Headers only (no payload reads, no crc): a count for a log line and a counter.
  if (!OpenReaderLocked().ok()) return 0;
  uint64_t count = 0;
  uint64_t off = from;
  char header[kHeaderBytes];
  while (off + kHeaderBytes <= seg.size) {
    if (PreadFull(reader_fd_, header, kHeaderBytes, off) != 1 ||
        (GetU32(header) != kMagic && GetU32(header) != kMagicV1)) {
      return count + 1;
    }
    ++count;
    off += kHeaderBytes + GetU32(header + 4);
  }
  return count + (off < seg.size ? 1 : 0);
}

Status Spool::RemoveFrontSegmentLocked() {
  Segment seg = segments_.front();
  if (reader_fd_ >= 0 && reader_seq_ == seg.seq) CloseReaderLocked();
  if (IsActive(seg)) CloseWriterLocked();
  segments_.pop_front();
  bytes_ -= seg.size;
  read_offset_ = 0;
  head_valid_ = false;
  head_ = SpoolRecord{};
  // Persist the new position first: a crash in between leaves a segment older than the ack,
  // which Load deletes.
  Status st = PersistAckLocked();
  if (unlink(SegmentPath(seg.seq).c_str()) != 0) {
    spdlog::warn("spool: cannot delete {}: {}", SegmentPath(seg.seq), std::strerror(errno));
  }
  return st;
}

Status Spool::PersistAckLocked() {
  uint64_t seq = segments_.empty() ? next_seq_ : segments_.front().seq;
  std::string text = std::to_string(seq) + " " + std::to_string(read_offset_) + "\n";
  std::string tmp = options_.dir + "/" + kAckTmpFile;
  int fd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
  if (fd < 0) return Internal(Errno("spool: create " + tmp));
  bool ok = write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) &&
            fdatasync(fd) == 0;
  std::string why = ok ? "" : Errno("spool: write " + tmp);
  close(fd);
  if (!ok) return Internal(why);
  std::string dst = options_.dir + "/" + kAckFile;
  if (rename(tmp.c_str(), dst.c_str()) != 0) return Internal(Errno("spool: rename to " + dst));
  HW_RETURN_IF_ERROR(FsyncDir(options_.dir));
  unsynced_acks_ = 0;
  return Status::Ok();
}

Spool::ReadResult Spool::ReadRecordLocked(int fd, const Segment& seg, uint64_t offset,
                                          SpoolRecord* record, uint64_t* next_offset,
                                          Status* io_error) {
  if (offset >= seg.size) return ReadResult::kEnd;
  if (offset + kHeaderBytes > seg.size) return ReadResult::kCorrupt;  // torn header
  char header[kHeaderBytes];
  int r = PreadFull(fd, header, kHeaderBytes, offset);
  if (r < 0) {
    *io_error = Internal(Errno("spool: read " + SegmentPath(seg.seq)));
    return ReadResult::kCorrupt;
  }
  const uint32_t magic = r == 1 ? GetU32(header) : 0;
  if (magic != kMagic && magic != kMagicV1) return ReadResult::kCorrupt;
  uint32_t len = GetU32(header + 4);
  if (len < 2 || len > kMaxBodyBytes || offset + kHeaderBytes + len > seg.size) {
    return ReadResult::kCorrupt;
  }
  std::string body(len, '\0');
  r = PreadFull(fd, body.data(), len, offset + kHeaderBytes);
  if (r < 0) {
    *io_error = Internal(Errno("spool: read " + SegmentPath(seg.seq)));
    return ReadResult::kCorrupt;
  }
  if (r == 0 || RecordCrc(header + 4, body.data(), len) != GetU32(header + 8)) {
    return ReadResult::kCorrupt;
  }
  size_t id_len = static_cast<unsigned char>(body[0]) |
                  (static_cast<size_t>(static_cast<unsigned char>(body[1])) << 8);
  size_t prefix = 2, meta_len = 0;
  if (magic == kMagic) {
    if (len < 6) return ReadResult::kCorrupt;
    meta_len = GetU32(body.data() + 2);
    prefix = 6;
  }
  if (prefix + id_len + meta_len > len) return ReadResult::kCorrupt;
  record->batch_id = body.substr(prefix, id_len);
  record->meta = body.substr(prefix + id_len, meta_len);
  body.erase(0, prefix + id_len + meta_len);
  record->payload = std::move(body);
  *next_offset = offset + kHeaderBytes + len;
  return ReadResult::kOk;
}

uint64_t Spool::ResyncLocked(int fd, const Segment& seg, uint64_t from, Status* io_error) {
  // Scans for the next offset holding a record that passes every check. Reads in chunks, so
  // memory stays small however large the damaged region is.
  constexpr size_t kChunk = 64 * 1024;
  char magic[4], magic_v1[4];
  PutU32(magic, kMagic);
  PutU32(magic_v1, kMagicV1);
  std::vector<char> buf(kChunk + 3);
  SpoolRecord scratch;
  uint64_t pos = from;
  while (pos + kHeaderBytes <= seg.size) {
    size_t want = static_cast<size_t>(std::min<uint64_t>(buf.size(), seg.size - pos));
    int r = PreadFull(fd, buf.data(), want, pos);
    if (r < 0) {
      *io_error = Internal(Errno("spool: read " + SegmentPath(seg.seq)));
      return pos;
    }
    if (r == 0) break;
    for (size_t i = 0; i + 4 <= want; ++i) {
      if (std::memcmp(buf.data() + i, magic, 4) != 0 &&
          std::memcmp(buf.data() + i, magic_v1, 4) != 0) {
        continue;
      }
      uint64_t next = 0;
      if (ReadRecordLocked(fd, seg, pos + i, &scratch, &next, io_error) == ReadResult::kOk) {
        return pos + i;
      }
      if (!io_error->ok()) return pos + i;
    }
    if (want < 4) break;
    pos += want - 3;  // overlap so a magic split across chunks is still seen
  }
  return seg.size;
}

Status Spool::FindHeadLocked() {
  while (!head_valid_) {
    if (segments_.empty()) return Status::Ok();
    Segment& seg = segments_.front();
    if (read_offset_ >= seg.size) {
      // A finished segment is removed once a newer one exists; the one being written stays.
      if (IsActive(seg) || segments_.size() == 1) return Status::Ok();
      HW_RETURN_IF_ERROR(RemoveFrontSegmentLocked());
      continue;
    }
    HW_RETURN_IF_ERROR(OpenReaderLocked());
    Status io_error;
    uint64_t next = 0;
    switch (ReadRecordLocked(reader_fd_, seg, read_offset_, &head_, &next, &io_error)) {
      case ReadResult::kOk:
        head_valid_ = true;
        head_next_offset_ = next;
        return Status::Ok();
      case ReadResult::kEnd:
        continue;  // unreachable: read_offset_ < seg.size
      case ReadResult::kCorrupt: {
        if (!io_error.ok()) return io_error;
        ++corrupt_records_;
        uint64_t resume = ResyncLocked(reader_fd_, seg, read_offset_ + 1, &io_error);
        if (!io_error.ok()) return io_error;
        if (!seg.corruption_logged) {
          seg.corruption_logged = true;
          spdlog::warn("spool: {}: damaged record at offset {}, skipped {} bytes to {}",
                       SegmentPath(seg.seq), read_offset_, resume - read_offset_,
                       resume >= seg.size ? "the end of the file" : "the next valid record");
        }
        read_offset_ = resume;
        HW_RETURN_IF_ERROR(PersistAckLocked());
        continue;
      }
    }
  }
  return Status::Ok();
}

Result<std::optional<SpoolRecord>> Spool::Peek() {
  std::lock_guard<std::mutex> lock(mu_);
  HW_RETURN_IF_ERROR(FindHeadLocked());
  if (!head_valid_) return std::optional<SpoolRecord>();
  return std::optional<SpoolRecord>(head_);
}

Status Spool::Ack(const std::string& batch_id) {
  std::lock_guard<std::mutex> lock(mu_);
  HW_RETURN_IF_ERROR(FindHeadLocked());
  if (!head_valid_) return InvalidArgument("spool: ack of " + batch_id + ": the spool is empty");
  if (head_.batch_id != batch_id) {
    return InvalidArgument("spool: ack of " + batch_id + " but the oldest record is " +
                           head_.batch_id);
  }
  read_offset_ = head_next_offset_;
  head_valid_ = false;
  head_ = SpoolRecord{};
  const Segment& seg = segments_.front();
  if (read_offset_ >= seg.size && !IsActive(seg) && segments_.size() > 1) {
    return RemoveFrontSegmentLocked();  // persists the position too
  }
  if (++unsynced_acks_ < options_.ack_sync_every) return Status::Ok();
  return PersistAckLocked();
}

Status Spool::SyncAcks() {
  std::lock_guard<std::mutex> lock(mu_);
  return unsynced_acks_ == 0 ? Status::Ok() : PersistAckLocked();
}

Status Spool::ScanUnacked(const std::function<void(const SpoolRecord&)>& fn) {
  std::lock_guard<std::mutex> lock(mu_);
  for (size_t i = 0; i < segments_.size(); ++i) {
    const Segment& seg = segments_[i];
    int fd = open(SegmentPath(seg.seq).c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return Internal(Errno("spool: open " + SegmentPath(seg.seq)));
    uint64_t offset = i == 0 ? read_offset_ : 0;
    Status io_error;
    SpoolRecord record;
    while (offset < seg.size && io_error.ok()) {
      uint64_t next = 0;
      if (ReadRecordLocked(fd, seg, offset, &record, &next, &io_error) == ReadResult::kOk) {
        fn(record);
        offset = next;
      } else if (io_error.ok()) {
        offset = ResyncLocked(fd, seg, offset + 1, &io_error);  // counted when shipped
      }
    }
    close(fd);
    HW_RETURN_IF_ERROR(io_error);
  }
  return Status::Ok();
}

bool Spool::HasRecordLocked() {
  Status st = FindHeadLocked();
  if (!st.ok()) spdlog::warn("{}", st.message());
  return head_valid_;
}

bool Spool::WaitForRecord(std::chrono::steady_clock::time_point deadline) {
  std::unique_lock<std::mutex> lock(mu_);
  return cv_.wait_until(lock, deadline, [&] { return interrupted_ || HasRecordLocked(); }) &&
         head_valid_;
}

void Spool::Interrupt() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    interrupted_ = true;
  }
  cv_.notify_all();
}

uint64_t Spool::bytes() const {
  std::lock_guard<std::mutex> lock(mu_);
  return bytes_;
}

uint64_t Spool::corrupt_records() const {
  std::lock_guard<std::mutex> lock(mu_);
  return corrupt_records_;
}

uint64_t Spool::dropped_batches() const {
  std::lock_guard<std::mutex> lock(mu_);
  return dropped_batches_;
}

size_t Spool::segment_count() const {
  std::lock_guard<std::mutex> lock(mu_);
  return segments_.size();
}

}  // namespace hivewatch
