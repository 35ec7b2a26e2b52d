#include "agent/inputs/file/file_input.h"

#include <dirent.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <glob.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <deque>
#include <limits>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <spdlog/spdlog.h>

#include "agent/inputs/file/dir_watcher.h"
#include "agent/inputs/file/file_position.h"
#include "agent/inputs/file/record_builder.h"

namespace hivewatch {
namespace {

using Clock = std::chrono::steady_clock;

// Most bytes read from one file per round before the others get their turn.
constexpr size_t kReadsPerRound = 8;

int64_t WallMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

int64_t MtimeMs(const struct stat& st) {
  return static_cast<int64_t>(st.st_mtim.tv_sec) * 1000 + st.st_mtim.tv_nsec / 1000000;
}

FileId IdOf(const struct stat& st) {
  return FileId{static_cast<uint64_t>(st.st_dev), static_cast<uint64_t>(st.st_ino)};
}

std::string DirName(const std::string& path) {
  size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

std::string BaseName(const std::string& path) {
  size_t slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

// Whether `path` looks like a rotation of the log written under `name`: in the same directory,
// its file name is `name`'s followed by '.', '-' or '_' and more (app.log.1, app.log-20261204).
bool IsRotationOf(const std::string& path, const std::string& name) {
  if (DirName(path) != DirName(name)) return false;
  const std::string base = BaseName(path), root = BaseName(name);
  return base.size() > root.size() + 1 && base.compare(0, root.size(), root) == 0 &&
         std::strchr(".-_", base[root.size()]) != nullptr;
}

// The default service: the file name up to its first '.'.
std::string ServiceFromName(const std::string& path) {
  std::string base = BaseName(path);
  std::string stem = base.substr(0, base.find('.'));
  return stem.empty() ? base : stem;
}

// pread until `n` bytes or end of file; -1 on error (errno set).
ssize_t PreadFull(int fd, char* buf, size_t n, uint64_t offset) {
  size_t done = 0;
  while (done < n) {
    ssize_t r = ::pread(fd, buf + done, n - done, static_cast<off_t>(offset + done));
    if (r < 0) {
      if (errno == EINTR) continue;
      return -1;
    }
    if (r == 0) break;
    done += static_cast<size_t>(r);
  }
  return static_cast<ssize_t>(done);
}

// The first min(size, limit) bytes of a file ("" on error).
std::string Head(int fd, uint64_t size, uint64_t limit = kFingerprintBytes) {
  std::string head(static_cast<size_t>(std::min<uint64_t>(size, limit)), '\0');
  ssize_t n = PreadFull(fd, head.data(), head.size(), 0);
  head.resize(n < 0 ? 0 : static_cast<size_t>(n));
  return head;
}

// One file being read (or held as a possible copy of one).
struct Tracked {
  enum class State {
    kActive,    // matches `paths`
    kDraining,  // no longer matches (renamed away, deleted): read to its end, then dropped
    kHeld,      // same first bytes as `copy_of`: not read until it diverges or that one ends;
                // or empty (copy_of null): not read until it has bytes to compare
  };

  FileId id;
  std::string key;
  std::string path;  // where it was last seen
  std::string name;  // the path its lines were written under
  int fd = -1;
  Fingerprint fp;
  std::unique_ptr<RecordBuilder> builder;  // null while held
  State state = State::kActive;
  Tracked* predecessor = nullptr;  // read only after this one is drained (rotation order)
  Tracked* copy_of = nullptr;      // kHeld only
  uint64_t size = 0;               // st_size at this round's check (the read limit when
                                   // a successor waits on this file)
  int64_t mtime_ms = 0;
  Clock::time_point last_growth;  // last time new bytes were read
  std::string emitted;            // the last position emitted
  bool read_error_logged = false;
  size_t records_per_read = 0;  // in the last full read: what to reserve for the next one
  // Per round.
  bool has_successor = false;
  bool checked = false;
  bool processed = false;
  bool drained = false;  // read up to its end (or its snapshot) in this round

  ~Tracked() {
    if (fd >= 0) ::close(fd);
  }
};

}  // namespace

// The input thread's state: tracked files, scanning, reading, emitting.
class FileTailer {
 public:
  FileTailer(const FileInputConfig& config, LogSink* sink, const std::atomic<bool>* stop)
      : config_(config), sink_(sink), stop_(stop), buf_(new char[config.read_bytes]) {
    base_options_.service = config.service;
    base_options_.path_field = config.path_field;
    base_options_.max_line_bytes = config.max_line_bytes;
    if (!config.multiline_start.empty()) {
      base_options_.multiline_start.emplace(config.multiline_start, std::regex::ECMAScript);
    }
    base_options_.multiline_indent = config.multiline_indent;
    base_options_.multiline_max_lines = config.multiline_max_lines;
    base_options_.parse.parse_json = config.parse_json;
    base_options_.parse.parse_logfmt = config.parse_logfmt;
  }

  // Locates the checkpointed files, then scans `paths`. False if the sink refused.
  bool Startup(const Checkpoints& resume);
  // Matches `paths`: new files are tracked, vanished ones drained. False if the sink refused.
  bool Scan(bool first);
  // Checks and reads every file once. `*busy`: some file has more to read right away.
  bool Round(bool* busy);
  // When the next timer (multi-line flush, rotate_wait) is due.
  Clock::time_point next_deadline() const { return next_deadline_; }
  // The directories to watch: where the patterns point and where the tracked files are.
  std::set<std::string> Directories() const;

 private:
  bool Stopping() const { return refused_ || stop_->load(std::memory_order_relaxed); }
  bool Matches(const std::string& path) const;
  bool Excluded(const std::string& path) const;

  // Chains the files found at the start that belong to one log, oldest content first, keeping
  // each (copy, truncated original) pair in that order.
  void OrderLineages(const std::vector<std::pair<Tracked*, Tracked*>>& copies,
                     const std::set<const Tracked*>& resumed);
  Tracked* Add(std::unique_ptr<Tracked> file);
  void Remove(Tracked* file);
  std::unique_ptr<Tracked> Open(const std::string& path, const FileId& expected);
  void StartReading(Tracked* f, uint64_t offset);
  uint64_t EndOffset(const Tracked& f) const;
  Tracked* FindPredecessor(const std::string& name, const Tracked* self) const;
  bool IsCopyOf(const Tracked& candidate, Tracked* original) const;
  // Holds `f` (not read) if it is a copy of a tracked file; true if it did.
  bool HoldIfCopy(Tracked* f);
  // The newest untracked regular file in `dir` whose first fp.len bytes have fingerprint `fp`.
  std::unique_ptr<Tracked> FindCopyInDirectory(const std::string& dir, const Fingerprint& fp);
  void TrackNew(const std::string& path, const FileId& id, bool first);
  void ActivateCopy(Tracked* copy, Tracked* original_predecessor, const std::string& name,
                    uint64_t offset);

  void CheckChain(Tracked* f);
  void Check(Tracked* f);
  void CheckHeld(Tracked* f);
  // Re-reads the file's first bytes: false if they no longer match the fingerprint (the file
  // was truncated or rewritten); else extends a short fingerprint to what the file now has.
  bool ExtendFingerprint(Tracked* f, uint64_t size);
  void HandleRewrite(Tracked* f);
  void Process(Tracked* f, bool* busy);
  void Finish(Tracked* f);

  bool Emit(Tracked* f, std::vector<LogRecord> records);
  bool Forget(const std::string& key);

  const FileInputConfig& config_;
  LogSink* sink_;
  const std::atomic<bool>* stop_;
  RecordOptions base_options_;
  std::unique_ptr<char[]> buf_;
  std::vector<std::unique_ptr<Tracked>> files_;  // in the order they were found
  std::map<FileId, Tracked*> by_id_;
  std::set<std::string> resume_paths_;  // paths of checkpointed files (successor rule)
  std::set<std::string> unreadable_;    // paths whose open failure was logged
  // Files finished lately, in case one comes back (a listing raced with a rename).
  struct Finished {
    Fingerprint fp;
    uint64_t offset = 0;
    std::string name;
  };
  static constexpr size_t kFinishedMemory = 1024;
  std::map<FileId, Finished> finished_;
  std::deque<FileId> finished_order_;
  Clock::time_point next_deadline_ = Clock::time_point::max();
  bool refused_ = false;
};

std::set<std::string> FileTailer::Directories() const {
  std::set<std::string> dirs;
  for (const std::string& pattern : config_.paths) {
    // The part before the first wildcard, up to its last '/'.
    std::string fixed = pattern.substr(0, pattern.find_first_of("*?[{"));
    dirs.insert(DirName(fixed + "x"));
  }
  for (const auto& f : files_) dirs.insert(DirName(f->path));
  return dirs;
}

bool FileTailer::Excluded(const std::string& path) const {
  std::string base;
  for (const std::string& pattern : config_.exclude) {
    if (pattern.find('/') != std::string::npos) {
      if (::fnmatch(pattern.c_str(), path.c_str(), FNM_PATHNAME) == 0) return true;
    } else {
      if (base.empty()) base = BaseName(path);
      if (::fnmatch(pattern.c_str(), base.c_str(), 0) == 0) return true;
    }
  }
  return false;
}

bool FileTailer::Matches(const std::string& path) const {
  if (Excluded(path)) return false;
  for (const std::string& pattern : config_.paths) {
    if (::fnmatch(pattern.c_str(), path.c_str(), FNM_PATHNAME) == 0) return true;
  }
  return false;
}

Tracked* FileTailer::Add(std::unique_ptr<Tracked> file) {
  Tracked* f = file.get();
  by_id_[f->id] = f;
  files_.push_back(std::move(file));
  return f;
}

void FileTailer::Remove(Tracked* file) {
  for (auto& g : files_) {
    if (g->predecessor == file) g->predecessor = file->predecessor;
  }
  by_id_.erase(file->id);
  auto it = std::find_if(files_.begin(), files_.end(),
                         [file](const std::unique_ptr<Tracked>& g) { return g.get() == file; });
  std::unique_ptr<Tracked> owned = std::move(*it);
  files_.erase(it);
  // Copies held back because of this file are read from where it ended.
  for (auto& g : files_) {
    if (g->state == Tracked::State::kHeld && g->copy_of == file) {
      ActivateCopy(g.get(), nullptr, file->name, file->builder ? file->builder->committed() : 0);
    }
  }
}

std::unique_ptr<Tracked> FileTailer::Open(const std::string& path, const FileId& expected) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    // Gone since it was listed: nothing to say. Else (permissions): once per path.
    if (errno != ENOENT && unreadable_.insert(path).second) {
      spdlog::warn("file input: cannot open {}: {} (retried at every scan, logged once)", path,
                   std::strerror(errno));
    }
    return nullptr;
  }
  unreadable_.erase(path);
  auto f = std::make_unique<Tracked>();
  f->fd = fd;
  struct stat st;
  if (::fstat(fd, &st) != 0 || !(IdOf(st) == expected)) return nullptr;  // replaced meanwhile
  f->id = expected;
  f->key = CheckpointKey(expected);
  f->path = path;
  f->name = path;
  f->size = static_cast<uint64_t>(st.st_size);
  f->mtime_ms = MtimeMs(st);
  f->last_growth = Clock::now();
  return f;
}

void FileTailer::StartReading(Tracked* f, uint64_t offset) {
  RecordOptions options = base_options_;
  if (options.service.empty()) options.service = ServiceFromName(f->name);
  options.path_value = f->name;
  f->builder = std::make_unique<RecordBuilder>(options, offset);
  f->fp = ComputeFingerprint(Head(f->fd, f->size));
}

uint64_t FileTailer::EndOffset(const Tracked& f) const {
  uint64_t window = std::min<uint64_t>(f.size, config_.max_line_bytes);
  std::string tail(static_cast<size_t>(window), '\0');
  ssize_t n = PreadFull(f.fd, tail.data(), tail.size(), f.size - window);
  if (n != static_cast<ssize_t>(window)) return f.size;
  size_t nl = tail.rfind('\n');
  if (nl != std::string::npos) return f.size - window + nl + 1;
  return window == f.size ? 0 : f.size;  // a line being written: from its start if we have it
}

Tracked* FileTailer::FindPredecessor(const std::string& name, const Tracked* self) const {
  // The newest file that was written under `name` and has moved away or is deleted: the one
  // no other such file waits on.
  std::vector<Tracked*> candidates;
  for (const auto& g : files_) {
    if (g.get() == self || g->state == Tracked::State::kHeld || g->name != name) continue;
    if (g->state == Tracked::State::kDraining || g->path != name) candidates.push_back(g.get());
  }
  for (Tracked* c : candidates) {
    bool waited_on = false;
    for (const auto& g : files_) waited_on = waited_on || g->predecessor == c;
    if (!waited_on) return c;
  }
  return nullptr;
}

bool FileTailer::IsCopyOf(const Tracked& candidate, Tracked* original) const {
  if (original->fd < 0 || !original->builder || candidate.size == 0) return false;
  // The original may be truncated at any moment, also while this runs: its size first, then
  // its head, which is checked against its fingerprint. Consistent: the head is the content
  // the size belongs to. Not: it was truncated (maybe not yet handled), and only the
  // fingerprint still tells what it held.
  struct stat st;
  if (::fstat(original->fd, &st) != 0) return false;
  const uint64_t original_size = static_cast<uint64_t>(st.st_size);
  const uint64_t fp_len = original->fp.len;
  const uint64_t n = std::min<uint64_t>(candidate.size, kFingerprintBytes);
  std::string b = Head(original->fd, std::max(n, fp_len), std::max(n, fp_len));
  const bool consistent =
      b.size() >= fp_len &&
      ComputeFingerprint(std::string_view(b).substr(0, fp_len)) == original->fp &&
      original_size >= original->builder->next_offset();
  if (!consistent) {
    return fp_len > 0 && candidate.size >= fp_len &&
           ComputeFingerprint(Head(candidate.fd, fp_len, fp_len)) == original->fp;
  }
  // A copy is a prefix of the original.
  if (candidate.size > original_size || b.size() < n) return false;
  std::string a = Head(candidate.fd, n, n);
  return a.size() == n && std::string_view(b).substr(0, n) == a;
}

std::unique_ptr<Tracked> FileTailer::FindCopyInDirectory(const std::string& dir,
                                                         const Fingerprint& fp) {
  if (fp.len == 0) return nullptr;
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) return nullptr;
  // Several files may start with these bytes (older copies of a file whose first lines do not
  // change): the newest one holds the latest content.
  std::string best_path;
  FileId best_id;
  int64_t best_mtime = std::numeric_limits<int64_t>::min();
  while (struct dirent* e = ::readdir(d)) {
    if (e->d_name[0] == '.' && (e->d_name[1] == '\0' || std::strcmp(e->d_name, "..") == 0)) {
      continue;
    }
    std::string path = (dir == "/" ? "" : dir) + "/" + e->d_name;
    struct stat st;
    if (::stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) continue;
    FileId id = IdOf(st);
    if (by_id_.count(id) || static_cast<uint64_t>(st.st_size) < fp.len) continue;
    if (MtimeMs(st) < best_mtime) continue;
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) continue;
    bool same = ComputeFingerprint(Head(fd, fp.len, fp.len)) == fp;
    ::close(fd);
    if (same) {
      best_path = path;
      best_id = id;
      best_mtime = MtimeMs(st);
    }
  }
  ::closedir(d);
  return best_path.empty() ? nullptr : Open(best_path, best_id);
}

void FileTailer::ActivateCopy(Tracked* copy, Tracked* predecessor, const std::string& name,
                              uint64_t original_offset) {
  struct stat st;
  if (::fstat(copy->fd, &st) == 0) copy->size = static_cast<uint64_t>(st.st_size);
  // A copy shorter than what was read of the original holds nothing new.
  uint64_t offset = std::min(original_offset, copy->size);
  copy->copy_of = nullptr;
  copy->name = name;
  copy->state = Matches(copy->path) ? Tracked::State::kActive : Tracked::State::kDraining;
  copy->predecessor = predecessor;
  StartReading(copy, offset);
  spdlog::info("file input: {} is a copy of {}; reading it from offset {}", copy->path, name,
               offset);
  Emit(copy, {});
}

void FileTailer::TrackNew(const std::string& path, const FileId& id, bool first) {
  std::unique_ptr<Tracked> opened = Open(path, id);
  if (!opened) return;
  Tracked* f = Add(std::move(opened));
  auto done = finished_.find(id);
  if (done != finished_.end()) {
    // Finished (it had vanished from the listing) and back under a matching name: the same
    // file if its first bytes are, so go on where it ended.
    Finished was = done->second;
    finished_.erase(done);
    if (f->size >= was.offset && f->size >= was.fp.len &&
        ComputeFingerprint(Head(f->fd, was.fp.len, was.fp.len)) == was.fp) {
      f->name = was.name;
      StartReading(f, was.offset);
      spdlog::info("file input: {} is back; following it from offset {}", path, was.offset);
      Emit(f, {});
      return;
    }
  }
  if (f->size == 0) {
    // Nothing to compare yet (a copy may just have been created): decide once it has bytes.
    f->state = Tracked::State::kHeld;
    return;
  }
  if (HoldIfCopy(f)) return;
  // A file that is not new for `start_at`: where a checkpointed file was, or a rotation of one
  // made while the agent was down (its lines came after the checkpoint).
  bool known = resume_paths_.count(path) > 0;
  for (auto it = resume_paths_.begin(); !known && it != resume_paths_.end(); ++it) {
    known = IsRotationOf(path, *it);
  }
  bool from_end = first && config_.start_at == FileInputConfig::StartAt::kEnd && !known;
  f->predecessor = FindPredecessor(path, f);
  StartReading(f, from_end ? EndOffset(*f) : 0);
  spdlog::info("file input: following {} from offset {}", path, f->builder->next_offset());
  Emit(f, {});
}

bool FileTailer::HoldIfCopy(Tracked* f) {
  for (const auto& g : files_) {
    if (g.get() == f || g->state == Tracked::State::kHeld) continue;
    if (IsCopyOf(*f, g.get())) {
      spdlog::info("file input: {} ({}) starts like {} ({}); holding it as a possible copy",
                   f->path, f->key, g->path, g->key);
      f->state = Tracked::State::kHeld;
      f->copy_of = g.get();
      return true;
    }
  }
  return false;
}

bool FileTailer::Startup(const Checkpoints& resume) {
  std::vector<Tracked*> rewritten;
  std::vector<FilePosition> gone;  // checkpointed files not found: their copies may be
  std::vector<std::string> gone_keys;
  std::set<const Tracked*> resumed;  // checkpointed and unchanged but for appends
  for (const auto& [key, value] : resume) {
    FileId id;
    if (!ParseCheckpointKey(key, &id)) {
      spdlog::warn("file input: ignoring checkpoint with unknown key \"{}\"", key);
      continue;
    }
    Result<FilePosition> pos = DecodePosition(value);
    if (!pos.ok()) {
      spdlog::warn("file input: dropping checkpoint {}: {}", key, pos.status().message());
      if (!Forget(key)) return false;
      continue;
    }
    // Several [[inputs.file]] share the "file:" keys: leave other inputs' files alone.
    if (!Matches(pos->path) && !Matches(pos->name)) continue;
    resume_paths_.insert(pos->path);
    resume_paths_.insert(pos->name);
    // At its path, or renamed within its directory while the agent was down.
    std::string path;
    struct stat st;
    bool at_path = ::stat(pos->path.c_str(), &st) == 0 && IdOf(st) == id;
    if (at_path) {
      path = pos->path;
    } else if (DIR* d = ::opendir(DirName(pos->path).c_str())) {
      std::string dir = DirName(pos->path);
      while (struct dirent* e = ::readdir(d)) {
        if (e->d_ino != id.ino) continue;
        std::string candidate = (dir == "/" ? "" : dir) + "/" + e->d_name;
        if (::stat(candidate.c_str(), &st) == 0 && IdOf(st) == id && S_ISREG(st.st_mode)) {
          path = candidate;
          break;
        }
      }
      ::closedir(d);
    }
    std::unique_ptr<Tracked> f = path.empty() ? nullptr : Open(path, id);
    if (!f) {
      gone.push_back(std::move(*pos));
      gone_keys.push_back(key);
      continue;
    }
    // Not the same first bytes: truncated (copytruncate), maybe renamed too, while the agent
    // was down — or the inode was reused. Either way its content is unread: from 0, after the
    // rest of the checkpoint's content if a copy of it is found.
    bool same_content = f->size >= pos->fp.len &&
                        ComputeFingerprint(Head(f->fd, pos->fp.len, pos->fp.len)) == pos->fp;
    f->name = pos->name;
    Tracked* t = Add(std::move(f));
    StartReading(t, pos->offset);
    t->fp = pos->fp;
    if (!same_content || t->size < pos->offset) {
      rewritten.push_back(t);
    } else {
      spdlog::info("file input: resuming {} at offset {}", t->path, pos->offset);
      resumed.insert(t);
    }
  }
  // Every checkpointed file that is still there is tracked now, so none of them is taken for a
  // copy of another (a copy with its own checkpoint continues from that).
  for (Tracked* t : rewritten) HandleRewrite(t);
  for (size_t i = 0; i < gone.size() && !refused_; ++i) {
    const FilePosition& pos = gone[i];
    std::unique_ptr<Tracked> copy = FindCopyInDirectory(DirName(pos.path), pos.fp);
    if (copy) {
      // Copied (copytruncate), then deleted or moved away: its rest is in the copy.
      Tracked* c = Add(std::move(copy));
      ActivateCopy(c, nullptr, pos.name, pos.offset);
    } else {
      spdlog::warn("file input: {} (checkpoint at offset {}) is gone; lines after it are lost",
                   pos.path, pos.offset);
    }
    // After the copy's position, so a crash in between cannot make the copy a new file.
    if (!Forget(gone_keys[i])) return false;
  }
  // Copy → truncated original, made above: the order OrderLineages keeps.
  std::vector<std::pair<Tracked*, Tracked*>> copies;
  for (const auto& f : files_) {
    if (f->predecessor != nullptr) copies.emplace_back(f->predecessor, f.get());
  }
  if (refused_ || !Scan(/*first=*/true)) return false;
  OrderLineages(copies, resumed);
  return true;
}

// At the start, the files of one log (rotated ones, copies, the live one) may be many and
// partly unread. What tells their order: checkpointed files found unchanged come before files
// that appeared or were truncated while the agent was down, then modification times (each
// generation was last written before the next one started), and each copy goes right before
// the file it was truncated from. A file belongs
// to the log named N if it was written under N or sits in N's directory with a name that
// starts with N's file name followed by '.', '-' or '_' (logrotate's app.log.1,
// app.log-20261204). The live file (at N) comes last.
void FileTailer::OrderLineages(const std::vector<std::pair<Tracked*, Tracked*>>& copies,
                               const std::set<const Tracked*>& resumed) {
  std::set<std::string> names;
  for (const auto& f : files_) {
    if (f->state != Tracked::State::kHeld) names.insert(f->name);
  }
  auto lineage = [&](const Tracked& f) {
    std::string best = f.name;
    for (const std::string& n : names) {
      if (n.size() < best.size() && IsRotationOf(f.path, n)) best = n;
    }
    return best;
  };
  std::map<std::string, std::vector<Tracked*>> groups;
  for (const auto& f : files_) {
    if (f->state != Tracked::State::kHeld) groups[lineage(*f)].push_back(f.get());
  }
  for (auto& [root, group] : groups) {
    if (group.size() < 2) continue;
    const std::string& live = root;
    // Files resumed unchanged hold older lines than those that appeared (or were truncated)
    // while the agent was down; then modification time (coarse: equal within a clock tick),
    // then inode number.
    std::sort(group.begin(), group.end(), [&](const Tracked* a, const Tracked* b) {
      const bool a_live = a->path == live, b_live = b->path == live;
      if (a_live != b_live) return b_live;
      const bool a_old = resumed.count(a) > 0, b_old = resumed.count(b) > 0;
      if (a_old != b_old) return a_old;
      if (a->mtime_ms != b->mtime_ms) return a->mtime_ms < b->mtime_ms;
      return a->id < b->id;
    });
    // A copy holds the truncated file's older content: right before it, whatever the times.
    for (const auto& [copy, original] : copies) {
      auto c = std::find(group.begin(), group.end(), copy);
      if (c == group.end() || std::find(group.begin(), group.end(), original) == group.end()) {
        continue;
      }
      group.erase(c);
      group.insert(std::find(group.begin(), group.end(), original), copy);
    }
    group.front()->predecessor = nullptr;
    for (size_t i = 1; i < group.size(); ++i) group[i]->predecessor = group[i - 1];
  }
}

bool FileTailer::Scan(bool first) {
  std::map<FileId, std::string> found;
  for (const std::string& pattern : config_.paths) {
    glob_t g;
    int rc = ::glob(pattern.c_str(), GLOB_BRACE, nullptr, &g);
    if (rc == 0) {
      for (size_t i = 0; i < g.gl_pathc; ++i) {
        std::string path = g.gl_pathv[i];
        if (Excluded(path)) continue;
        struct stat st;
        if (::stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) continue;
        found.emplace(IdOf(st), path);
      }
    }
    ::globfree(&g);
  }
  std::vector<Tracked*> gone_held;
  for (const auto& f : files_) {
    auto it = found.find(f->id);
    if (it != found.end()) {
      if (f->path != it->second) {
        spdlog::info("file input: {} was renamed to {}", f->path, it->second);
        f->path = it->second;
        if (f->builder && !Emit(f.get(), {})) return false;
      }
      if (f->state == Tracked::State::kDraining) f->state = Tracked::State::kActive;
    } else if (f->state == Tracked::State::kHeld) {
      gone_held.push_back(f.get());
    } else if (f->state == Tracked::State::kActive) {
      // A directory listing can miss a file being renamed: is it still where it was?
      struct stat st;
      if (Matches(f->path) && ::stat(f->path.c_str(), &st) == 0 && IdOf(st) == f->id) continue;
      spdlog::info("file input: {} no longer matches (renamed or deleted); reading it to its end",
                   f->path);
      f->state = Tracked::State::kDraining;
    }
  }
  for (Tracked* f : gone_held) Remove(f);
  for (const auto& [id, path] : found) {
    if (Stopping()) break;
    if (by_id_.count(id) == 0) TrackNew(path, id, first);
  }
  return !refused_;
}

// Checks a file and, before it, the files it waits on, so a successor's size is taken before
// its predecessor is read to the end.
void FileTailer::CheckChain(Tracked* f) {
  for (; f != nullptr && !f->checked; f = f->predecessor) {
    f->checked = true;
    if (f->state == Tracked::State::kHeld) {
      CheckHeld(f);
    } else {
      Check(f);
    }
  }
}

void FileTailer::Check(Tracked* f) {
  struct stat st;
  if (::fstat(f->fd, &st) != 0) return;
  uint64_t size = static_cast<uint64_t>(st.st_size);
  f->mtime_ms = MtimeMs(st);
  bool rewritten = size < f->builder->next_offset() || size < f->fp.len;
  // Also catches a truncated file that has grown back to (or past) the offset before this
  // check, even to the same size: one small pread per file and round.
  if (!rewritten) rewritten = !ExtendFingerprint(f, size);
  f->size = size;
  if (rewritten) HandleRewrite(f);
}

bool FileTailer::ExtendFingerprint(Tracked* f, uint64_t size) {
  std::string head = Head(f->fd, size);
  if (head.size() < f->fp.len ||
      ComputeFingerprint(std::string_view(head).substr(0, f->fp.len)) != f->fp) {
    return false;
  }
  if (head.size() > f->fp.len) f->fp = ComputeFingerprint(head);
  return true;
}

void FileTailer::CheckHeld(Tracked* f) {
  struct stat st;
  if (::fstat(f->fd, &st) != 0) return;
  uint64_t size = static_cast<uint64_t>(st.st_size);
  if (size == f->size) return;
  f->size = size;
  if (f->copy_of == nullptr) {  // was empty
    if (HoldIfCopy(f)) return;
  } else if (IsCopyOf(*f, f->copy_of)) {
    return;
  } else {
    spdlog::info("file input: {} differs from {}", f->path, f->copy_of->path);
  }
  f->copy_of = nullptr;
  f->state = Tracked::State::kActive;
  f->predecessor = FindPredecessor(f->name, f);
  StartReading(f, 0);
  spdlog::info("file input: following {} from offset 0", f->path);
  Emit(f, {});
}

// The file is shorter than what was read or starts differently: copytruncate (or rewritten).
// Its unread rest lives on in a copy, if there is one: that is read first, from the
// checkpoint on; then the file again from 0.
void FileTailer::HandleRewrite(Tracked* f) {
  Tracked* copy = nullptr;
  for (const auto& g : files_) {
    if (g->state == Tracked::State::kHeld && g->copy_of == f) {
      copy = g.get();
      break;
    }
  }
  for (const auto& g : files_) {
    // Held while it was empty (being copied): its content may have arrived since.
    if (copy != nullptr) break;
    if (g->state == Tracked::State::kHeld && g->copy_of == nullptr && f->fp.len > 0) {
      struct stat st;
      if (::fstat(g->fd, &st) != 0 || static_cast<uint64_t>(st.st_size) < f->fp.len) continue;
      g->size = static_cast<uint64_t>(st.st_size);
      if (ComputeFingerprint(Head(g->fd, f->fp.len, f->fp.len)) == f->fp) copy = g.get();
    }
  }
  if (copy == nullptr) {
    if (std::unique_ptr<Tracked> found = FindCopyInDirectory(DirName(f->path), f->fp)) {
      copy = Add(std::move(found));
    }
  }
  std::vector<LogRecord> records;
  uint64_t committed = f->builder->committed();
  if (copy != nullptr) {
    ActivateCopy(copy, f->predecessor, f->name, committed);
    f->predecessor = copy;
  } else {
    f->builder->FlushAll(f->mtime_ms, WallMs(), &records);
  }
  spdlog::info("file input: {} was truncated or rewritten (read up to {}); reading it from 0",
               f->path, committed);
  f->builder->Reset(0);
  struct stat st;
  if (::fstat(f->fd, &st) == 0) f->size = static_cast<uint64_t>(st.st_size);
  f->fp = ComputeFingerprint(Head(f->fd, f->size));
  f->last_growth = Clock::now();
  Emit(f, std::move(records));
}

void FileTailer::Process(Tracked* f, bool* busy) {
  if (f->processed) return;
  f->processed = true;
  f->drained = false;
  if (f->state == Tracked::State::kHeld || Stopping()) return;
  uint64_t limit = std::numeric_limits<uint64_t>::max();
  if (f->predecessor != nullptr) {
    Process(f->predecessor, busy);
    if (!f->predecessor->drained) return;
  }
  if (f->has_successor) limit = f->size;
  for (size_t reads = 0;; ++reads) {
    if (Stopping()) return;
    uint64_t offset = f->builder->next_offset();
    if (offset >= limit) {
      f->drained = true;
      return;
    }
    if (reads == kReadsPerRound) {
      *busy = true;
      return;
    }
    size_t want = static_cast<size_t>(std::min<uint64_t>(config_.read_bytes, limit - offset));
    ssize_t n = PreadFull(f->fd, buf_.get(), want, offset);
    if (n < 0) {
      if (!f->read_error_logged) {
        spdlog::warn("file input: reading {} at offset {}: {}", f->path, offset,
                     std::strerror(errno));
        f->read_error_logged = true;
      }
      return;
    }
    if (n > 0) {
      // The file's first bytes, read after the data: if they changed, the file was truncated
      // (and maybe written again) before or during the read, and the data may not be what
      // followed the offset. Also extends a short fingerprint so a copy is recognised by
      // everything read so far.
      if (!ExtendFingerprint(f, offset + static_cast<uint64_t>(n))) {
        HandleRewrite(f);
        return;
      }
      std::vector<LogRecord> records;
      records.reserve(f->records_per_read + f->records_per_read / 8 + 16);
      f->builder->Consume(std::string_view(buf_.get(), static_cast<size_t>(n)), f->mtime_ms,
                          WallMs(), &records);
      f->last_growth = Clock::now();
      if (static_cast<size_t>(n) == want) f->records_per_read = records.size();
      if (!Emit(f, std::move(records))) return;
    }
    if (static_cast<size_t>(n) < want) {
      f->drained = true;
      return;
    }
  }
}

// A file that no longer matches, read to its end and quiet for rotate_wait: its last partial
// line and pending record go out, then its checkpoint is forgotten.
void FileTailer::Finish(Tracked* f) {
  std::vector<LogRecord> records;
  f->builder->FlushAll(f->mtime_ms, WallMs(), &records);
  if (!Emit(f, std::move(records))) return;
  spdlog::info("file input: done with {} (read {} bytes)", f->path, f->builder->committed());
  if (!Forget(f->key)) return;
  finished_[f->id] = Finished{f->fp, f->builder->committed(), f->name};
  finished_order_.push_back(f->id);
  if (finished_order_.size() > kFinishedMemory) {
    finished_.erase(finished_order_.front());
    finished_order_.pop_front();
  }
  Remove(f);
}

bool FileTailer::Round(bool* busy) {
  for (auto& f : files_) {
    f->checked = f->processed = f->has_successor = false;
  }
  for (auto& f : files_) {
    if (f->predecessor != nullptr) f->predecessor->has_successor = true;
  }
  // Checking may add files (copies); they take part from the next round.
  std::vector<Tracked*> round;
  for (auto& f : files_) round.push_back(f.get());
  for (Tracked* f : round) {
    if (!f->has_successor) CheckChain(f);
  }
  for (Tracked* f : round) {
    if (!f->checked) CheckChain(f);  // (cannot happen with linear chains; kept for safety)
  }
  round.clear();
  for (auto& f : files_) round.push_back(f.get());
  for (Tracked* f : round) Process(f, busy);
  if (Stopping()) return false;

  // Timers: multi-line flush and the end of drained files.
  Clock::time_point now = Clock::now();
  next_deadline_ = Clock::time_point::max();
  const auto ml_timeout = std::chrono::milliseconds(config_.multiline_timeout_ms);
  const auto rotate_wait = std::chrono::milliseconds(config_.rotate_wait_ms);
  std::vector<Tracked*> finished;
  for (auto& f : files_) {
    if (!f->builder) continue;
    if (f->builder->has_pending()) {
      if (now - f->last_growth >= ml_timeout) {
        std::vector<LogRecord> records;
        f->builder->FlushPending(f->mtime_ms, WallMs(), &records);
        if (!Emit(f.get(), std::move(records))) return false;
      } else {
        next_deadline_ = std::min(next_deadline_, f->last_growth + ml_timeout);
      }
    }
    if (f->state == Tracked::State::kDraining && f->drained && f->predecessor == nullptr) {
      if (now - f->last_growth >= rotate_wait) {
        finished.push_back(f.get());
      } else {
        next_deadline_ = std::min(next_deadline_, f->last_growth + rotate_wait);
      }
    }
  }
  for (Tracked* f : finished) Finish(f);
  return !refused_;
}

bool FileTailer::Emit(Tracked* f, std::vector<LogRecord> records) {
  if (refused_) return false;
  FilePosition p{f->path, f->name, f->builder->committed(), f->fp};
  std::string position = EncodePosition(p);
  if (records.empty() && position == f->emitted) return true;
  if (!sink_->Emit(std::move(records), f->key, position)) {
    refused_ = true;
    return false;
  }
  f->emitted = std::move(position);
  return true;
}

bool FileTailer::Forget(const std::string& key) {
  if (refused_) return false;
  if (!sink_->Emit({}, key, "")) refused_ = true;
  return !refused_;
}

FileInput::FileInput(FileInputConfig config) : config_(std::move(config)) {}

FileInput::~FileInput() { Stop(); }

Status FileInput::Start(const Checkpoints& resume, LogSink* sink) {
  HW_RETURN_IF_ERROR(ValidateFileInputConfig(config_).WithPrefix("inputs.file"));
  Stop();
  stop_ = false;
  watcher_ = std::make_unique<DirWatcher>();
  auto tailer = std::make_unique<FileTailer>(config_, sink, &stop_);
  Checkpoints mine;
  for (const auto& [key, value] : resume) {
    if (key.rfind("file:", 0) == 0) mine.emplace(key, value);
  }
  thread_ = std::thread(
      [this, mine = std::move(mine), t = std::move(tailer)]() mutable { Run(std::move(t), mine); });
  return Status::Ok();
}

void FileInput::Run(std::unique_ptr<FileTailer> tailer, const Checkpoints& resume) {
  if (!tailer->Startup(resume)) return;
  const auto scan_interval = std::chrono::milliseconds(config_.scan_interval_ms);
  const auto poll_interval = std::chrono::milliseconds(config_.poll_interval_ms);
  Clock::time_point next_scan = Clock::now() + scan_interval;
  bool rescan = false;
  for (const std::string& dir : tailer->Directories()) watcher_->Watch(dir);
  while (!stop_) {
    if (rescan || Clock::now() >= next_scan) {
      if (!tailer->Scan(/*first=*/false)) return;
      next_scan = Clock::now() + scan_interval;
      rescan = false;
      for (const std::string& dir : tailer->Directories()) watcher_->Watch(dir);
    }
    bool busy = false;
    if (!tailer->Round(&busy)) return;
    // Busy: only collect what happened meanwhile. Idle: sleep until an event or a timer.
    Clock::time_point wake =
        busy ? Clock::now()
             : std::min({Clock::now() + poll_interval, next_scan, tailer->next_deadline()});
    rescan = watcher_->Wait(wake).names_changed;
  }
}

void FileInput::Stop() {
  stop_ = true;
  if (watcher_) watcher_->Wake();
  if (thread_.joinable()) thread_.join();
  watcher_.reset();
}

}  // namespace hivewatch
