// kill -9 of a process appending metric batches to the SQLite storage: every batch whose Append
// returned (what a 200 waits for) is there after reopening, including the samples that were
// only in the series' head chunks, and no batch is there in part.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <map>
#include <set>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "collector/storage/storage.h"
#include "tests/support/temp_dir.h"

namespace hivewatch {
namespace {

constexpr int64_t kBase = 1763900000000;
constexpr int kSeries = 20;
constexpr int kSamplesPerSeries = 5;

Batch CrashBatch(int n) {
  Batch b;
  b.agent = {"crash-host", "crash-agent", "test"};
  b.batch_id = "crash-" + std::to_string(n);
  for (int s = 0; s < kSeries; ++s) {
    MetricSeries series;
    series.name = "crash_metric";
    series.labels = {{"series", std::to_string(s)}};
    for (int k = 0; k < kSamplesPerSeries; ++k) {
      series.samples.push_back({kBase + int64_t{n} * 10000 + k * 1000, n + 0.5});
    }
    b.metrics.push_back(std::move(series));
  }
  return b;
}

TEST_CASE("every appended metric batch survives kill -9 of the process, whole",
          "[storage][sqlite][crash]") {
  testing::TempDir dir;
  StorageOptions options;
  options.data_dir = dir.path() + "/data";
  options.synchronous_full = false;  // a process crash loses nothing even so
  int fds[2];
  REQUIRE(pipe(fds) == 0);
  const pid_t child = fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    close(fds[0]);
    auto storage = OpenStorage(options);
    if (!storage.ok()) _exit(2);
    for (int n = 0;; ++n) {
      if (!(*storage)->Append(CrashBatch(n), kBase).ok()) _exit(3);
      if (write(fds[1], &n, sizeof n) != sizeof n) _exit(4);
    }
  }
  close(fds[1]);
  std::set<int> acked;
  int n;
  while (acked.size() < 300 && read(fds[0], &n, sizeof n) == sizeof n) acked.insert(n);
  REQUIRE(kill(child, SIGKILL) == 0);
  int status = 0;
  REQUIRE(waitpid(child, &status, 0) == child);
  CHECK(WIFSIGNALED(status));
  while (read(fds[0], &n, sizeof n) == sizeof n) acked.insert(n);  // acks sent before it died
  close(fds[0]);
  REQUIRE(acked.size() >= 300);

  auto storage = OpenStorage(options);
  REQUIRE(storage.ok());
  SeriesSelection sel;
  sel.matchers = {{"__name__", LabelMatcher::Op::kEq, "crash_metric"}};
  sel.start_ms = kBase;
  sel.end_ms = kBase + 100000000;
  auto got = (*storage)->SelectSeries(sel);
  REQUIRE(got.ok());
  REQUIRE(got->size() == kSeries);
  std::map<int, int> samples_of_batch;
  for (const SeriesSamples& series : *got) {
    for (const Sample& s : series.samples) ++samples_of_batch[static_cast<int>(s.value)];
  }
  for (int batch : acked) {
    INFO("batch " << batch);
    CHECK(samples_of_batch[batch] == kSeries * kSamplesPerSeries);
  }
  for (const auto& [batch, count] : samples_of_batch) {
    INFO("batch " << batch);
    CHECK(count == kSeries * kSamplesPerSeries);  // whole or not at all
  }
  auto stats = (*storage)->Stats();
  REQUIRE(stats.ok());
  CHECK(stats->samples == static_cast<int64_t>(samples_of_batch.size()) * kSeries *
                              kSamplesPerSeries);
}

}  // namespace
}  // namespace hivewatch
