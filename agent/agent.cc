#include "agent/agent.h"

#include <spdlog/spdlog.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <filesystem>
#include <fstream>
#include <limits>
#include <mutex>
#include <random>
#include <sstream>
#include <thread>

#include "agent/inputs/file/file_input.h"
#include "agent/inputs/journald/journald_input.h"
#include "agent/inputs/proc/proc_input.h"
#include "agent/inputs/syslog/syslog_input.h"
#include "agent/log_batch_encoder.h"
#include "agent/log_batcher.h"
#include "agent/memory_trim.h"
#include "agent/ship/checkpoint_store.h"
#include "agent/ship/shipper.h"
#include "agent/ship/spool.h"
#include "common/batch_codec.h"
#include "common/gzip.h"
#include "common/time_util.h"

namespace hivewatch {
namespace {

std::vector<std::unique_ptr<MetricsInput>> MakeInputs(const AgentConfig& config) {
  std::vector<std::unique_ptr<MetricsInput>> inputs;
  if (config.proc.enabled) {
    ProcOptions options;
    options.proc_root = config.proc.proc_root;
    options.sys_root = config.proc.sys_root;
    inputs.push_back(std::make_unique<ProcInput>(options));
  }
  return inputs;
}

// The log inputs the configuration enables.
std::vector<std::unique_ptr<LogInput>> MakeLogInputs(const AgentConfig& config) {
  std::vector<std::unique_ptr<LogInput>> inputs;
  for (const FileInputConfig& file : config.files) {
    inputs.push_back(std::make_unique<FileInput>(file));
  }
  if (config.syslog) inputs.push_back(std::make_unique<SyslogInput>(*config.syslog));
  if (config.journald) inputs.push_back(std::make_unique<JournaldInput>(*config.journald));
  return inputs;
}

// Deflate level for log batches: 1 deflates the sample logs about 2.5x faster than the default
// 6, for batches about a fifth larger (docs/benchmarks.md); log lines are most of the volume.
constexpr int kLogGzipLevel = 1;
// And for metric batches: 1 deflates a cycle's batch (about 24 kB of JSON) in about three
// quarters of level 6's CPU time, for a body 14% larger (docs/benchmarks.md, agent section).
constexpr int kMetricGzipLevel = 1;

// Where each log input resumes: the delivered positions, overlaid with those of the batches
// still in the spool (oldest first), which will be delivered before anything new.
Result<Checkpoints> ResumePoints(CheckpointStore& store, Spool& spool) {
  Result<Checkpoints> points = store.Load();
  HW_RETURN_IF_ERROR(points.status());
  Status bad_meta;
  HW_RETURN_IF_ERROR(spool.ScanUnacked([&](const SpoolRecord& record) {
    Result<Checkpoints> changes = DecodeCheckpoints(record.meta);
    if (changes.ok()) {
      MergeCheckpoints(*changes, &*points);
    } else {
      bad_meta = changes.status();
    }
  }));
  if (!bad_meta.ok()) spdlog::warn("spool: {}", bad_meta.message());
  return points;
}

// Log lines in spool records that the size cap dropped. A dropped record that was being pushed
// at that moment may still be delivered (the shipper then acks it): its lines are taken back,
// so the count is exactly what the collector will never have.
class DroppedLogLines {
 public:
  void Dropped(const SpoolRecord& record) {
    const uint64_t n = LogLines(record);
    std::lock_guard<std::mutex> lock(mu_);
    count_ += n;
    recent_.emplace_back(record.batch_id, n);
    if (recent_.size() > 16) recent_.pop_front();
  }
  void Delivered(const SpoolRecord& record) {
    std::lock_guard<std::mutex> lock(mu_);
    for (auto it = recent_.begin(); it != recent_.end(); ++it) {
      if (it->first != record.batch_id) continue;
      count_ -= it->second;
      recent_.erase(it);
      return;
    }
  }
  uint64_t count() const {
    std::lock_guard<std::mutex> lock(mu_);
    return count_;
  }

 private:
  static uint64_t LogLines(const SpoolRecord& record) {
    if (record.meta.empty()) return 0;  // a metrics batch
    Result<std::string> json = Gunzip(record.payload, Spool::kMaxRecordBytes * 8ull);
    DecodeLimits limits;  // only counting: whatever the agent itself wrote
    limits.max_labels = limits.max_label_value_bytes = limits.max_message_bytes =
        std::numeric_limits<size_t>::max();
    limits.max_future_ms = std::numeric_limits<int64_t>::max() / 2;
    Result<Batch> batch =
        json.ok() ? DecodeBatch(*json, limits, NowMs()) : Result<Batch>(json.status());
    return batch.ok() ? batch->logs.size() : 0;
  }

  mutable std::mutex mu_;
  uint64_t count_ = 0;
  std::deque<std::pair<std::string, uint64_t>> recent_;
};

Checkpoints WithPrefix(const Checkpoints& all, const std::string& prefix) {
  Checkpoints out;
  for (auto it = all.lower_bound(prefix); it != all.end() && it->first.rfind(prefix, 0) == 0;
       ++it) {
    out.insert(*it);
  }
  return out;
}

// Milliseconds on the monotonic clock (health checks must not jump with the wall clock).
int64_t SteadyMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

MetricFamily Gauge(const char* name, const char* help, double value, Labels labels = {}) {
  return MetricFamily{name, help, MetricType::kGauge, {{std::move(labels), value}}};
}
MetricFamily Counter(const char* name, const char* help, double value) {
  return MetricFamily{name, help, MetricType::kCounter, {{{}, value}}};
}

// The agent's own process: memory and CPU.
void AddProcessMetrics(std::vector<MetricFamily>* out) {
  long rss_pages = 0, size_pages = 0;
  std::ifstream statm("/proc/self/statm");
  statm >> size_pages >> rss_pages;
  out->push_back(Gauge(
      "hivewatch_agent_resident_memory_bytes", "Resident memory of the hivewatch agent process.",
      static_cast<double>(rss_pages) * static_cast<double>(sysconf(_SC_PAGESIZE))));
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  double cpu = static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
               static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
  out->push_back(Counter("hivewatch_agent_cpu_seconds_total",
                         "User and system CPU time of the hivewatch agent process.", cpu));
}

// Collects every input; returns the collection's duration in seconds.
double CollectInputs(std::vector<std::unique_ptr<MetricsInput>>& inputs,
                     std::vector<MetricFamily>* out) {
  auto started = std::chrono::steady_clock::now();
  for (auto& input : inputs) {
    Status s = input->Collect(out);
    if (!s.ok()) spdlog::warn("input {}: {}", input->Name(), s.message());
  }
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
}

// A stable id for this agent installation, kept in the state directory.
Result<std::string> LoadOrCreateAgentId(const std::string& state_dir) {
  const std::string path = state_dir + "/agent_id";
  std::ifstream in(path);
  std::string id;
  if (in >> id && !id.empty()) return id;
  std::random_device rd;
  std::ostringstream ss;
  for (int i = 0; i < 4; ++i) ss << std::hex << rd();
  id = ss.str();
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << id << "\n";
    if (!out.flush()) return Unavailable("cannot write " + tmp);
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) return Unavailable("cannot write " + path + ": " + ec.message());
  return id;
}

}  // namespace

Status CollectOnce(const AgentConfig& config, std::vector<MetricFamily>* out) {
  std::vector<std::unique_ptr<MetricsInput>> inputs = MakeInputs(config);
  double secs = CollectInputs(inputs, out);
  out->push_back(Gauge("hivewatch_agent_collection_duration_seconds",
                       "How long the last collection of all inputs took.", secs));
  AddProcessMetrics(out);
  return Status::Ok();
}

struct Agent::Impl {
  AgentConfig config;
  std::string agent_id;
  std::string run_id;  // distinguishes batch ids across restarts
  std::atomic<uint64_t> seq{0};
  std::vector<std::unique_ptr<MetricsInput>> inputs;
  std::vector<std::unique_ptr<LogInput>> log_inputs;
  std::unique_ptr<Spool> spool;
  std::unique_ptr<CheckpointStore> checkpoints;
  std::unique_ptr<LogBatcher> batcher;
  std::unique_ptr<Shipper> shipper;
  DroppedLogLines spool_dropped_lines;
  std::string log_json;  // SealLogs' buffer, reused (the batcher calls it one batch at a time)
  std::string metric_json;  // CollectAndSpool's buffer, reused (the collection thread's)
  std::thread collector;
  int cycles = 0;  // collections so far, for the trim after start-up
  std::mutex mu;
  std::condition_variable cv;
  bool stopping = false;
  uint64_t samples_collected = 0;
  std::atomic<int64_t> last_cycle_ms{0};  // SteadyMs() when the collection loop last came round

  void CollectionLoop();
  void CollectAndSpool();
  Batch NewBatch();
  Status SealLogs(std::vector<LogRecord> records, const Checkpoints& changes);
  void OnAcked(const SpoolRecord& record);
};

Batch Agent::Impl::NewBatch() {
  Batch batch;
  batch.agent = {config.host, agent_id, HIVEWATCH_VERSION};
  char seq_text[24];
  std::snprintf(seq_text, sizeof seq_text, "%08llu", static_cast<unsigned long long>(++seq));
  batch.batch_id = agent_id + "-" + run_id + "-" + seq_text;
  return batch;
}

Status Agent::Impl::SealLogs(std::vector<LogRecord> records, const Checkpoints& changes) {
  Batch batch = NewBatch();
  for (LogRecord& r : records) {
    if (r.service.empty()) r.service = "unknown";
  }
  batch.logs = std::move(records);
  EncodeLogBatch(batch, &log_json);
  // The records are in log_json now: give their memory back (to the input filling the next
  // batch) before the compressed copy is made, so a seal holds one form of the batch at a time.
  std::vector<LogRecord>().swap(batch.logs);
  return spool->Append(batch.batch_id, Gzip(log_json, kLogGzipLevel), EncodeCheckpoints(changes));
}

void Agent::Impl::OnAcked(const SpoolRecord& record) {
  if (record.meta.empty()) return;
  spool_dropped_lines.Delivered(record);
  Result<Checkpoints> changes = DecodeCheckpoints(record.meta);
  Status st = changes.ok() ? checkpoints->Apply(*changes) : changes.status();
  if (!st.ok())
    spdlog::error("batch {}: positions not recorded: {}", record.batch_id, st.message());
}

void Agent::Impl::CollectAndSpool() {
  std::vector<MetricFamily> families;
  double secs = CollectInputs(inputs, &families);
  families.push_back(Gauge("hivewatch_agent_collection_duration_seconds",
                           "How long the last collection of all inputs took.", secs));
  AddProcessMetrics(&families);
  families.push_back(Counter("hivewatch_agent_samples_collected_total",
                             "Samples collected and put in the spool.",
                             static_cast<double>(samples_collected)));
  families.push_back(Counter("hivewatch_agent_batches_shipped_total",
                             "Batches the collector has committed.",
                             static_cast<double>(shipper->shipped())));
  families.push_back(Counter("hivewatch_agent_push_retries_total",
                             "Failed pushes that will be retried.",
                             static_cast<double>(shipper->retries())));
  families.push_back(Counter("hivewatch_agent_log_lines_total",
                             "Log lines read by the log inputs and put in batches.",
                             static_cast<double>(batcher->lines())));
  families.push_back(Gauge("hivewatch_agent_spool_bytes", "Size of the disk spool.",
                           static_cast<double>(spool->bytes())));
  MetricFamily dropped{"hivewatch_agent_dropped_batches_total",
                       "Batches given up on, by reason.",
                       MetricType::kCounter,
                       {}};
  dropped.points.push_back({{{"reason", "rejected"}}, static_cast<double>(shipper->rejected())});
  dropped.points.push_back(
      {{{"reason", "spool_full"}}, static_cast<double>(spool->dropped_batches())});
  dropped.points.push_back(
      {{{"reason", "corrupt"}}, static_cast<double>(spool->corrupt_records())});
  families.push_back(std::move(dropped));
  MetricFamily dropped_lines{"hivewatch_agent_dropped_log_lines_total",
                             "Log lines given up on, by reason.",
                             MetricType::kCounter,
                             {}};
  dropped_lines.points.push_back(
      {{{"reason", "spool_error"}}, static_cast<double>(batcher->dropped_lines())});
  dropped_lines.points.push_back(
      {{{"reason", "spool_full"}}, static_cast<double>(spool_dropped_lines.count())});
  families.push_back(std::move(dropped_lines));

  const int64_t now = NowMs();
  Batch batch = NewBatch();
  for (MetricFamily& f : families) {
    for (MetricPoint& p : f.points) {
      batch.metrics.push_back(MetricSeries{f.name, f.type, std::move(p.labels), {{now, p.value}}});
    }
  }
  samples_collected += batch.metrics.size();
  EncodeLogBatch(batch, &metric_json);
  Status s = spool->Append(batch.batch_id, Gzip(metric_json, kMetricGzipLevel));
  if (!s.ok()) spdlog::error("cannot spool batch {}: {}", batch.batch_id, s.message());
  // Start-up (and the first push, one interval ago) is over: give back what only it used.
  if (++cycles == 2) {
    TrimmedMemory trimmed = TrimStartupMemory();
    spdlog::debug("memory: dropped {} read-only segments ({} KiB mapped) after start-up",
                  trimmed.file_ranges, trimmed.file_bytes / 1024);
  }
}

void Agent::Impl::CollectionLoop() {
  auto next = std::chrono::steady_clock::now();
  std::unique_lock<std::mutex> lock(mu);
  while (!stopping) {
    lock.unlock();
    last_cycle_ms = SteadyMs();
    CollectAndSpool();
    lock.lock();
    next += std::chrono::milliseconds(config.interval_ms);
    cv.wait_until(lock, next, [this] { return stopping; });
  }
}

Agent::Agent(AgentConfig config, std::vector<std::unique_ptr<LogInput>> extra_inputs)
    : impl_(std::make_unique<Impl>()) {
  impl_->config = std::move(config);
  impl_->log_inputs = MakeLogInputs(impl_->config);
  for (auto& input : extra_inputs) impl_->log_inputs.push_back(std::move(input));
}

Agent::~Agent() { Stop(); }

Status Agent::Start() {
  Impl& s = *impl_;
  std::error_code ec;
  std::filesystem::create_directories(s.config.state_dir, ec);
  if (ec) return Unavailable("cannot create state_dir " + s.config.state_dir + ": " + ec.message());
  Result<std::string> id = LoadOrCreateAgentId(s.config.state_dir);
  HW_RETURN_IF_ERROR(id.status());
  s.agent_id = *id;
  s.run_id = std::to_string(NowMs());

  SpoolOptions spool_options;
  spool_options.dir = s.config.state_dir + "/spool";
  spool_options.max_bytes = s.config.spool_max_bytes;
  // Whole segments are dropped at the cap: a quarter of it each, so a small cap holds.
  spool_options.segment_bytes =
      std::clamp<uint64_t>(s.config.spool_max_bytes / 4, 64 * 1024, 4 * 1024 * 1024);
  spool_options.on_drop = [&s](const SpoolRecord& record) {
    s.spool_dropped_lines.Dropped(record);
  };
  Result<std::unique_ptr<Spool>> spool = Spool::Open(spool_options);
  HW_RETURN_IF_ERROR(spool.status());
  s.spool = std::move(spool).value();
  if (s.spool->bytes() > 0) {
    spdlog::info("spool holds {} bytes from before; shipping them first", s.spool->bytes());
  }

  Result<std::unique_ptr<CheckpointStore>> store =
      CheckpointStore::Open(s.config.state_dir + "/state.db");
  HW_RETURN_IF_ERROR(store.status());
  s.checkpoints = std::move(store).value();
  Result<Checkpoints> resume = ResumePoints(*s.checkpoints, *s.spool);
  HW_RETURN_IF_ERROR(resume.status());

  ShipperOptions ship;
  ship.pusher.urls = s.config.collectors;
  ship.pusher.token = s.config.token;
  ship.backoff.max = std::chrono::milliseconds(s.config.retry_max_ms);
  ship.pusher.ca_file = s.config.ca_file;
  ship.on_acked = [&s](const SpoolRecord& record) { s.OnAcked(record); };
  s.shipper = std::make_unique<Shipper>(*s.spool, ship);
  s.inputs = MakeInputs(s.config);
  LogBatcherOptions batching;
  batching.max_bytes = s.config.batch_max_bytes;
  batching.max_wait_ms = s.config.batch_max_wait_ms;
  s.batcher = std::make_unique<LogBatcher>(
      batching,
      [&s](std::vector<LogRecord> records, const Checkpoints& changes) {
        return s.SealLogs(std::move(records), changes);
      },
      [] { return NowMs(); });
  s.batcher->Start();
  for (size_t i = 0; i < s.log_inputs.size(); ++i) {
    LogInput& input = *s.log_inputs[i];
    Status st = input.Start(WithPrefix(*resume, std::string(input.Name()) + ":"), s.batcher.get());
    if (!st.ok()) {
      for (size_t j = 0; j < i; ++j) s.log_inputs[j]->Stop();
      s.batcher->Stop();
      return Status(st.code(), std::string("input ") + input.Name() + ": " + st.message());
    }
  }
  s.shipper->Start();
  s.collector = std::thread([&s] { s.CollectionLoop(); });
  spdlog::info("hivewatch-agent {} started: host {}, agent id {}, shipping every {} ms to {}",
               HIVEWATCH_VERSION, s.config.host, s.agent_id, s.config.interval_ms,
               s.config.collectors.front());
  if (s.config.token.empty()) {
    spdlog::warn(
        "no token configured: pushes will be refused unless the collector runs "
        "with --no-auth (set token or token_file)");
  }
  return Status::Ok();
}

bool Agent::Healthy(std::chrono::milliseconds grace) const {
  const int64_t last = impl_->last_cycle_ms;
  return last == 0 || SteadyMs() - last <= impl_->config.interval_ms + grace.count();
}

void Agent::Stop(std::chrono::milliseconds flush) {
  Impl& s = *impl_;
  {
    std::lock_guard<std::mutex> lock(s.mu);
    if (s.stopping) return;
    s.stopping = true;
  }
  s.cv.notify_all();
  if (s.collector.joinable()) s.collector.join();
  for (auto& input : s.log_inputs) input->Stop();
  if (s.batcher) s.batcher->Stop();  // spools what the inputs handed over
  if (s.shipper) {
    s.shipper->Stop(std::chrono::steady_clock::now() + flush);
    spdlog::info("this run: {} batches collected, {} shipped, {} rejected; spool holds {} bytes",
                 s.seq, s.shipper->shipped(), s.shipper->rejected(), s.spool->bytes());
  }
  s.shipper.reset();
  s.batcher.reset();
  s.spool.reset();
  s.checkpoints.reset();
}

}  // namespace hivewatch
