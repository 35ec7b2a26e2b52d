// Agent: the whole agent process as an object. A collection thread gathers the metric inputs
// every interval and appends each batch (gzipped push JSON) to the disk spool; log inputs emit
// into the LogBatcher, which spools batches by size and age together with the input positions
// they reach. The Shipper delivers the spool to the collector and removes a batch only once the
// collector committed it, after recording its positions in the CheckpointStore. On start, each
// log input resumes after the newest position that is delivered or spooled. Start/Stop from
// one thread.
#pragma once

#include <chrono>
#include <memory>
#include <vector>

#include "agent/agent_config.h"
#include "agent/inputs/logs.h"
#include "agent/inputs/metrics.h"
#include "common/status.h"

namespace hivewatch {

// One collection of every enabled input plus the agent's process metrics (for --once).
Status CollectOnce(const AgentConfig& config, std::vector<MetricFamily>* out);

class Agent {
 public:
  // `extra_inputs` run beside the configured ones (tests use it to add a scripted input).
  explicit Agent(AgentConfig config, std::vector<std::unique_ptr<LogInput>> extra_inputs = {});
  ~Agent();

  // Opens the state directory and spool, starts collecting and shipping.
  Status Start();
  // Stops collecting, ships what it can for up to `flush`; the rest stays in the spool (a
  // reload passes zero: the next Agent ships it).
  void Stop(std::chrono::milliseconds flush = std::chrono::seconds(5));
  // False when the collection loop has not come round for an interval plus `grace`: the main
  // loop then withholds systemd's watchdog ping.
  bool Healthy(std::chrono::milliseconds grace) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace hivewatch
