// Agent: the whole agent process as an object. A collection thread gathers the inputs every
// interval and appends each batch (gzipped push JSON) to the disk spool; the Shipper delivers
// the spool to the collector and removes a batch only once the collector committed it.
// Start/Stop from one thread.
#pragma once

#include <memory>
#include <vector>

#include "agent/agent_config.h"
#include "agent/inputs/metrics.h"
#include "common/status.h"

namespace hivewatch {

// One collection of every enabled input plus the agent's process metrics (for --once).
Status CollectOnce(const AgentConfig& config, std::vector<MetricFamily>* out);

class Agent {
 public:
  explicit Agent(AgentConfig config);
  ~Agent();

  // Opens the state directory and spool, starts collecting and shipping.
  Status Start();
  // Stops collecting, ships what it can for a few seconds; the rest stays in the spool.
  void Stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace hivewatch
