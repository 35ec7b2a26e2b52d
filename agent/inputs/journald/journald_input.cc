#include "agent/inputs/journald/journald_input.h"

#include <poll.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <systemd/sd-journal.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <spdlog/spdlog.h>

#include "agent/inputs/journald/journal_entry.h"
#include "agent/inputs/record_text.h"

namespace hivewatch {
namespace {

constexpr int kRetryMs = 1000;         // after a read error, before trying again
constexpr int kMaxWaitMs = 60 * 1000;  // longest sleep between wake-ups without news
// A batch also ends once its messages add up to this much (memory stays bounded with big ones).
constexpr size_t kMaxBatchBytes = 4 * 1024 * 1024;

std::string Errno(int negative_errno) { return std::strerror(-negative_errno); }

std::string UnitName(const std::string& unit) {
  return unit.find('.') == std::string::npos ? unit + ".service" : unit;
}

// Milliseconds until the absolute CLOCK_MONOTONIC time `usec` (sd_journal_get_timeout), capped.
int TimeoutMs(uint64_t usec) {
  if (usec == UINT64_MAX) return kMaxWaitMs;
  timespec now{};
  clock_gettime(CLOCK_MONOTONIC, &now);
  const uint64_t now_usec =
      static_cast<uint64_t>(now.tv_sec) * 1000000 + static_cast<uint64_t>(now.tv_nsec) / 1000;
  if (usec <= now_usec) return 0;
  return static_cast<int>(std::min<uint64_t>((usec - now_usec + 999) / 1000, kMaxWaitMs));
}

}  // namespace

Status ValidateJournaldInputConfig(const JournaldInputConfig& config) {
  const std::string prefix = "inputs.journald.";
  for (size_t i = 0; i < config.units.size(); ++i) {
    if (config.units[i].empty()) {
      return InvalidArgument(prefix + "units[" + std::to_string(i) + "]: must not be empty");
    }
  }
  if (config.fields.size() >= record_text::kMaxFields) {
    return InvalidArgument(prefix + "fields: at most 31 names, got " +
                           std::to_string(config.fields.size()));
  }
  for (size_t i = 0; i < config.fields.size(); ++i) {
    if (!IsJournalFieldName(config.fields[i]) || JournalFieldKey(config.fields[i]).empty()) {
      return InvalidArgument(prefix + "fields[" + std::to_string(i) + "]: '" + config.fields[i] +
                             "' is not a journal field name (upper-case letters, digits and _, "
                             "e.g. \"_PID\")");
    }
  }
  if (config.start_at != "beginning" && config.start_at != "end") {
    return InvalidArgument(prefix + "start_at: must be \"beginning\" or \"end\", got \"" +
                           config.start_at + "\"");
  }
  if (config.max_batch_entries < 1) {
    return InvalidArgument(prefix + "max_batch_entries: must be at least 1");
  }
  return Status::Ok();
}

std::string JournaldCheckpointKey(const JournaldInputConfig& config) {
  return "journald:" + (config.directory.empty() ? std::string("system") : config.directory);
}

// The open journal and the reader thread. Only the reader thread touches `journal` after Start.
struct JournaldInput::Impl {
  Impl(const JournaldInputConfig& config, LogSink* sink)
      : config(config), sink(sink), key(JournaldCheckpointKey(config)) {}
  ~Impl() {
    if (journal) sd_journal_close(journal);
    if (stop_fd >= 0) close(stop_fd);
  }

  const JournaldInputConfig& config;
  LogSink* sink;
  const std::string key;
  std::string where;  // "journal directory X" / "system journal", for messages
  sd_journal* journal = nullptr;
  int journal_fd = -1;  // inotify descriptor from sd_journal_get_fd; -1: poll by timer
  int stop_fd = -1;     // eventfd written by Stop
  std::atomic<bool> stopping{false};  // set by Stop: checked between batches as well
  // The journal is positioned on an entry that has not been read yet (resuming after a cursor
  // whose own entry the units filter excludes): the next read takes it instead of moving on.
  bool pending_current = false;
  std::vector<std::string> wanted;  // JournalMappedFields + config.fields
  std::string last_error;           // the last read error logged, to log each one once
  std::thread thread;

  Status Open();
  Status AddMatches();
  Status Position(const std::string& cursor);
  Status ReadBatch(std::vector<LogRecord>* records, std::string* cursor);
  bool Wait(int timeout_ms);  // false when Stop was requested
  void Run();
};

Status JournaldInput::Impl::Open() {
  int r;
  if (config.directory.empty()) {
    where = "system journal";
    r = sd_journal_open(&journal, SD_JOURNAL_LOCAL_ONLY);
  } else {
    where = "journal directory " + config.directory;
    struct stat st {};
    if (stat(config.directory.c_str(), &st) != 0) {
      return Unavailable("journald: cannot open " + where + ": " + std::strerror(errno));
    }
    if (!S_ISDIR(st.st_mode)) {
      return InvalidArgument("journald: cannot open " + where + ": not a directory");
    }
    r = sd_journal_open_directory(&journal, config.directory.c_str(), 0);
  }
  if (r < 0) {
    journal = nullptr;
    return Unavailable("journald: cannot open " + where + ": " + Errno(r));
  }
  if (config.directory.empty() && sd_journal_has_runtime_files(journal) <= 0 &&
      sd_journal_has_persistent_files(journal) <= 0) {
    // sd-journal skips files it may not read without saying so.
    spdlog::warn(
        "journald: no readable journal files in the system journal yet (is the agent root or in "
        "the systemd-journal group?)");
  }
  // Set up inotify before positioning so that nothing written meanwhile goes unnoticed.
  journal_fd = sd_journal_get_fd(journal);
  if (journal_fd < 0) {
    spdlog::warn("journald: no change notification for the {} ({}); checking every {} ms", where,
                 Errno(journal_fd), kRetryMs);
    journal_fd = -1;
  }
  // Values above the threshold would come back cut at 64 KiB; the message may be up to 1 MiB.
  sd_journal_set_data_threshold(journal, record_text::kMaxMessageBytes);
  stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (stop_fd < 0) return Internal(std::string("journald: eventfd: ") + std::strerror(errno));
  wanted = JournalMappedFields();
  for (const std::string& f : config.fields) {
    if (std::find(wanted.begin(), wanted.end(), f) == wanted.end()) wanted.push_back(f);
  }
  return Status::Ok();
}

Status JournaldInput::Impl::AddMatches() {
  // Matches on the same field are ORed.
  for (const std::string& unit : config.units) {
    const std::string match = "_SYSTEMD_UNIT=" + UnitName(unit);
    int r = sd_journal_add_match(journal, match.data(), match.size());
    if (r < 0) return InvalidArgument("journald: cannot match " + match + ": " + Errno(r));
  }
  return Status::Ok();
}

Status JournaldInput::Impl::Position(const std::string& cursor) {
  if (!cursor.empty()) {
    // Is the cursor's own entry still there? Checked without the units filter: an entry the
    // filter (perhaps changed since) excludes is still a valid place to continue after.
    const char* c = cursor.c_str();
    bool found = sd_journal_seek_cursor(journal, c) >= 0 && sd_journal_next(journal) > 0 &&
                 sd_journal_test_cursor(journal, c) > 0;
    HW_RETURN_IF_ERROR(AddMatches());
    if (found) {
      // With the filter in place, the first entry at or after the cursor: the cursor's own entry
      // was delivered already, anything else is new.
      if (sd_journal_seek_cursor(journal, c) < 0) return Internal("journald: seek_cursor failed");
      int r = sd_journal_next(journal);
      if (r < 0) return Unavailable("journald: cannot read the " + where + ": " + Errno(r));
      pending_current = r > 0 && sd_journal_test_cursor(journal, c) <= 0;
      spdlog::info("journald: reading the {} after cursor {}", where, cursor);
      return Status::Ok();
    }
    spdlog::warn(
        "journald: the checkpoint cursor {} is not in the {} (vacuumed, rotated away or from "
        "another machine); starting at its oldest entry",
        cursor, where);
    sd_journal_seek_head(journal);
    return Status::Ok();
  }
  HW_RETURN_IF_ERROR(AddMatches());
  if (config.start_at == "end") {
    sd_journal_seek_tail(journal);
    // Step onto the newest entry so that the next read returns what is written after it.
    // In an empty journal there is nothing to skip: from the head, everything is new.
    if (sd_journal_previous(journal) <= 0) sd_journal_seek_head(journal);
    spdlog::info("journald: reading new entries of the {}", where);
  } else {
    sd_journal_seek_head(journal);
    spdlog::info("journald: reading the {} from its oldest entry", where);
  }
  return Status::Ok();
}

Status JournaldInput::Impl::ReadBatch(std::vector<LogRecord>* records, std::string* cursor) {
  size_t bytes = 0;
  while (records->size() < config.max_batch_entries) {
    if (pending_current) {
      pending_current = false;
    } else {
      int r = sd_journal_next(journal);
      if (r < 0) return Unavailable("journald: cannot read the " + where + ": " + Errno(r));
      if (r == 0) break;
    }
    uint64_t realtime = 0;
    int r = sd_journal_get_realtime_usec(journal, &realtime);
    if (r < 0) {
      spdlog::debug("journald: entry without a timestamp in the {}: {}", where, Errno(r));
      realtime = 0;  // the sink stamps it with the current time
    }
    JournalFields fields;
    for (const std::string& name : wanted) {
      const void* data = nullptr;
      size_t length = 0;
      if (sd_journal_get_data(journal, name.c_str(), &data, &length) < 0) continue;
      std::string_view value(static_cast<const char*>(data), length);
      value.remove_prefix(std::min(value.size(), name.size() + 1));  // "NAME="
      fields[name] = std::string(value);
    }
    char* c = nullptr;
    r = sd_journal_get_cursor(journal, &c);
    if (r < 0) {
      pending_current = true;  // read this entry again on the next try
      return Internal("journald: cannot get the cursor in the " + where + ": " + Errno(r));
    }
    *cursor = c;
    std::free(c);
    records->push_back(JournalEntryToRecord(fields, realtime, config.fields));
    bytes += records->back().message.size();
    if (bytes >= kMaxBatchBytes) break;
  }
  return Status::Ok();
}

bool JournaldInput::Impl::Wait(int timeout_ms) {
  pollfd fds[2] = {{stop_fd, POLLIN, 0}, {journal_fd, 0, 0}};
  nfds_t n = 1;
  if (journal_fd >= 0 && timeout_ms > 0) {
    int events = sd_journal_get_events(journal);
    fds[1].events = static_cast<short>(events > 0 ? events : POLLIN);
    n = 2;
    uint64_t until = UINT64_MAX;
    if (sd_journal_get_timeout(journal, &until) >= 0) {
      timeout_ms = std::min(timeout_ms, TimeoutMs(until));
    }
  }
  int r = poll(fds, n, timeout_ms);
  if (r < 0 && errno != EINTR) {
    spdlog::warn("journald: poll: {}", std::strerror(errno));
  }
  if (fds[0].revents & POLLIN) return false;
  // Lets sd-journal take note of appended entries, new and deleted files.
  if (journal_fd >= 0) sd_journal_process(journal);
  return true;
}

void JournaldInput::Impl::Run() {
  while (!stopping) {
    std::vector<LogRecord> records;
    std::string cursor;
    Status s = ReadBatch(&records, &cursor);
    if (!s.ok() && s.message() != last_error) {
      spdlog::warn("{} (retrying)", s.message());
      last_error = s.message();
    }
    if (!records.empty()) {
      if (!sink->Emit(std::move(records), key, cursor)) {
        spdlog::debug("journald: the agent is stopping; no more reads");
        return;
      }
      if (s.ok()) continue;  // there may be more right away
    }
    if (s.ok()) last_error.clear();
    if (!Wait(s.ok() && journal_fd >= 0 ? kMaxWaitMs : kRetryMs)) return;
  }
}

JournaldInput::JournaldInput(JournaldInputConfig config) : config_(std::move(config)) {}

JournaldInput::~JournaldInput() { Stop(); }

Status JournaldInput::Start(const Checkpoints& resume, LogSink* sink) {
  if (impl_) return Internal("journald: Start called twice");
  HW_RETURN_IF_ERROR(ValidateJournaldInputConfig(config_));
  auto impl = std::make_unique<Impl>(config_, sink);
  HW_RETURN_IF_ERROR(impl->Open());
  auto it = resume.find(impl->key);
  HW_RETURN_IF_ERROR(impl->Position(it == resume.end() ? std::string() : it->second));
  Impl* raw = impl.get();
  impl->thread = std::thread([raw] { raw->Run(); });
  impl_ = std::move(impl);
  return Status::Ok();
}

void JournaldInput::Stop() {
  if (!impl_) return;
  impl_->stopping = true;
  uint64_t one = 1;
  if (write(impl_->stop_fd, &one, sizeof one) < 0) {
    spdlog::warn("journald: cannot signal the reader thread: {}", std::strerror(errno));
  }
  if (impl_->thread.joinable()) impl_->thread.join();
  impl_.reset();
}

}  // namespace hivewatch
