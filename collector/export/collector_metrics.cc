#include "collector/export/collector_metrics.h"

#include <prometheus/counter.h>
#include <prometheus/histogram.h>
#include <prometheus/metric_family.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>
#include <spdlog/spdlog.h>

#include <array>
#include <atomic>
#include <mutex>
#include <sstream>
#include <unordered_map>

#include "collector/export/process_metrics.h"

namespace hivewatch {
namespace {

using prometheus::Counter;
using prometheus::Histogram;

// From well under a millisecond (health checks, a small push with synchronous = normal) to
// the multi-second searches and commits worth knowing about.
const Histogram::BucketBoundaries kRequestBuckets = {
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
// A commit is one fsync (synchronous = full) plus the inserts of up to 50,000 rows.
const Histogram::BucketBoundaries kCommitBuckets = {0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05,
                                                    0.1,    0.2,   0.5,   1,     2,    5};

constexpr int kMinStatus = 100;
constexpr int kMaxStatus = 599;

const char* ReasonName(PushRejection reason) {
  switch (reason) {
    case PushRejection::kUnauthenticated:
      return "unauthenticated";
    case PushRejection::kForbidden:
      return "forbidden";
    case PushRejection::kTooLarge:
      return "too_large";
    case PushRejection::kUnsupportedMediaType:
      return "unsupported_media_type";
    case PushRejection::kBadGzip:
      return "bad_gzip";
    case PushRejection::kEmpty:
      return "empty";
    case PushRejection::kInvalid:
      return "invalid";
    case PushRejection::kStorage:
      return "storage";
  }
  return "invalid";
}
constexpr PushRejection kAllReasons[] = {
    PushRejection::kUnauthenticated, PushRejection::kForbidden,
    PushRejection::kTooLarge,        PushRejection::kUnsupportedMediaType,
    PushRejection::kBadGzip,         PushRejection::kEmpty,
    PushRejection::kInvalid,         PushRejection::kStorage};

prometheus::MetricFamily GaugeFamily(const std::string& name, const std::string& help,
                                     double value) {
  prometheus::MetricFamily family;
  family.name = name;
  family.help = help;
  family.type = prometheus::MetricType::Gauge;
  prometheus::ClientMetric metric;
  metric.gauge.value = value;
  family.metric.push_back(metric);
  return family;
}

prometheus::MetricFamily CounterFamily(const std::string& name, const std::string& help,
                                       double value) {
  prometheus::MetricFamily family = GaugeFamily(name, help, 0);
  family.type = prometheus::MetricType::Counter;
  family.metric[0].counter.value = value;
  return family;
}

}  // namespace

struct CollectorMetrics::Impl {
  // One handler's series: the duration histogram made up front, a counter per status code
  // made on its first use and then found by index.
  struct HandlerSeries {
    std::string name;
    bool push = false;
    Histogram* duration = nullptr;
    std::array<std::atomic<Counter*>, kMaxStatus - kMinStatus + 1> by_status{};
  };

  Impl()
      : registry(std::make_shared<prometheus::Registry>()),
        requests(prometheus::BuildCounter()
                     .Name("hivewatch_http_requests_total")
                     .Help("HTTP requests answered, by handler (route path) and status code.")
                     .Register(*registry)),
        durations(prometheus::BuildHistogram()
                      .Name("hivewatch_http_request_duration_seconds")
                      .Help("Time from a request being read to its response being ready, by "
                            "handler (route path).")
                      .Register(*registry)),
        batches(prometheus::BuildCounter()
                    .Name("hivewatch_collector_batches_total")
                    .Help("Batches pushed and stored (duplicates not included).")
                    .Register(*registry)
                    .Add({})),
        log_lines(prometheus::BuildCounter()
                      .Name("hivewatch_collector_log_lines_total")
                      .Help("Log lines in the batches stored.")
                      .Register(*registry)
                      .Add({})),
        samples(prometheus::BuildCounter()
                    .Name("hivewatch_collector_samples_total")
                    .Help("Metric samples in the batches stored.")
                    .Register(*registry)
                    .Add({})),
        duplicates(prometheus::BuildCounter()
                       .Name("hivewatch_collector_duplicate_batches_total")
                       .Help("Batches acknowledged without storing because their (agent id, "
                             "batch id) was stored before.")
                       .Register(*registry)
                       .Add({})),
        rejected_family(prometheus::BuildCounter()
                            .Name("hivewatch_collector_rejected_batches_total")
                            .Help("Pushes refused, by reason.")
                            .Register(*registry)),
        commit_duration(prometheus::BuildHistogram()
                            .Name("hivewatch_collector_commit_duration_seconds")
                            .Help("Duration of the storage writer's commits (each writes every "
                                  "batch queued at the time, one fsync).")
                            .Register(*registry)
                            .Add({}, kCommitBuckets)),
        commit_failures(prometheus::BuildCounter()
                            .Name("hivewatch_collector_commit_failures_total")
                            .Help("Storage commits that failed as a whole (every batch in them "
                                  "was refused).")
                            .Register(*registry)
                            .Add({})) {
    for (PushRejection reason : kAllReasons) {
      rejected[static_cast<size_t>(reason)] =
          &rejected_family.Add({{"reason", ReasonName(reason)}});
    }
    AddHandler("other");
  }

  void AddHandler(const std::string& name) {
    if (handlers.count(name)) return;
    auto series = std::make_unique<HandlerSeries>();
    series->name = name;
    series->push = name == kPushHandler;
    series->duration = &durations.Add({{"handler", name}}, kRequestBuckets);
    handlers.emplace(name, std::move(series));
  }

  Counter& RequestCounter(HandlerSeries& h, int status) {
    const bool cacheable = status >= kMinStatus && status <= kMaxStatus;
    if (cacheable) {
      Counter* c = h.by_status[status - kMinStatus].load(std::memory_order_acquire);
      if (c != nullptr) return *c;
    }
    std::lock_guard<std::mutex> lock(create_mu);
    Counter& c = requests.Add({{"handler", h.name}, {"code", std::to_string(status)}});
    if (cacheable) h.by_status[status - kMinStatus].store(&c, std::memory_order_release);
    return c;
  }

  std::shared_ptr<prometheus::Registry> registry;
  prometheus::Family<Counter>& requests;
  prometheus::Family<Histogram>& durations;
  Counter& batches;
  Counter& log_lines;
  Counter& samples;
  Counter& duplicates;
  prometheus::Family<Counter>& rejected_family;
  std::array<Counter*, std::size(kAllReasons)> rejected{};
  Histogram& commit_duration;
  Counter& commit_failures;

  // Filled by AddHandlers before serving, read-only afterwards.
  std::unordered_map<std::string, std::unique_ptr<HandlerSeries>> handlers;
  std::mutex create_mu;  // serialises making a (handler, code) counter
};

CollectorMetrics::CollectorMetrics() : impl_(std::make_unique<Impl>()) {}
CollectorMetrics::~CollectorMetrics() = default;

void CollectorMetrics::AddHandlers(const std::vector<std::string>& handlers) {
  for (const std::string& name : handlers) impl_->AddHandler(name);
}

void CollectorMetrics::OnRequest(const std::string& handler, int status,
                                 std::optional<double> seconds) {
  auto it = impl_->handlers.find(handler);
  if (it == impl_->handlers.end()) it = impl_->handlers.find("other");
  Impl::HandlerSeries& h = *it->second;
  impl_->RequestCounter(h, status).Increment();
  if (seconds) h.duration->Observe(*seconds);
  if (h.push) {
    if (status == 401) OnRejectedBatch(PushRejection::kUnauthenticated);
    if (status == 403) OnRejectedBatch(PushRejection::kForbidden);
    if (status == 413) OnRejectedBatch(PushRejection::kTooLarge);
  }
}

void CollectorMetrics::OnCommit(const CommitInfo& info) {
  impl_->commit_duration.Observe(info.seconds);
  if (!info.ok) impl_->commit_failures.Increment();
}

void CollectorMetrics::OnBatchStored(size_t log_lines, size_t samples) {
  impl_->batches.Increment();
  impl_->log_lines.Increment(static_cast<double>(log_lines));
  impl_->samples.Increment(static_cast<double>(samples));
}

void CollectorMetrics::OnDuplicateBatch() { impl_->duplicates.Increment(); }

void CollectorMetrics::OnRejectedBatch(PushRejection reason) {
  impl_->rejected[static_cast<size_t>(reason)]->Increment();
}

std::string CollectorMetrics::Render(Storage* storage) const {
  std::vector<prometheus::MetricFamily> families = impl_->registry->Collect();
  if (storage != nullptr) {
    Result<StorageStats> stats = storage->Stats();
    if (stats.ok()) {
      const StorageStats& s = *stats;
      families.push_back(GaugeFamily("hivewatch_collector_storage_bytes",
                                     "Size of the storage on disk (database and write-ahead log).",
                                     static_cast<double>(s.bytes_on_disk)));
      families.push_back(GaugeFamily("hivewatch_collector_writer_queue_batches",
                                     "Batches waiting for the storage writer's next commit.",
                                     static_cast<double>(s.queued_batches)));
      families.push_back(GaugeFamily("hivewatch_collector_writer_queue_rows",
                                     "Log lines and samples in the batches waiting for the "
                                     "storage writer.",
                                     static_cast<double>(s.queued_rows)));
      families.push_back(GaugeFamily("hivewatch_collector_hosts",
                                     "Hosts that have pushed at least one batch.",
                                     static_cast<double>(s.hosts)));
      families.push_back(GaugeFamily("hivewatch_collector_series", "Metric series stored.",
                                     static_cast<double>(s.series)));
      families.push_back(GaugeFamily("hivewatch_collector_stored_samples", "Metric samples stored.",
                                     static_cast<double>(s.samples)));
      families.push_back(GaugeFamily("hivewatch_collector_stored_log_lines", "Log lines stored.",
                                     static_cast<double>(s.log_lines)));
    } else {
      spdlog::warn("/metrics: storage figures unavailable: {}", stats.status().message());
    }
  }
  Result<ProcessStats> process = ReadProcessStats();
  if (process.ok()) {
    const ProcessStats& p = *process;
    families.push_back(CounterFamily("process_cpu_seconds_total",
                                     "Total user and system CPU time spent in seconds.",
                                     p.cpu_seconds));
    families.push_back(GaugeFamily("process_resident_memory_bytes",
                                   "Resident memory size in bytes.", p.resident_bytes));
    families.push_back(GaugeFamily("process_virtual_memory_bytes", "Virtual memory size in bytes.",
                                   p.virtual_bytes));
    families.push_back(GaugeFamily("process_start_time_seconds",
                                   "Start time of the process since unix epoch in seconds.",
                                   p.start_time_seconds));
    families.push_back(
        GaugeFamily("process_open_fds", "Number of open file descriptors.", p.open_fds));
    families.push_back(
        GaugeFamily("process_max_fds", "Maximum number of open file descriptors.", p.max_fds));
  } else {
    spdlog::warn("/metrics: process figures unavailable: {}", process.status().message());
  }
  std::ostringstream out;
  prometheus::TextSerializer().Serialize(out, families);
  return out.str();
}

}  // namespace hivewatch
