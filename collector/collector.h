// Collector: the whole collector process as an object: storage, tokens, HTTP routes and the
// server, wired from a CollectorConfig. main.cc only parses flags and runs it; tests may run
// it in-process. Start/Stop from one thread.
#pragma once

#include <memory>
#include <string>

#include "collector/collector_config.h"
#include "common/status.h"

namespace hivewatch {

class Collector {
 public:
  explicit Collector(CollectorConfig config);
  ~Collector();

  // Opens storage and tokens, binds the listener and starts serving.
  Status Start();
  // "127.0.0.1:9800" once started.
  std::string BoundAddress() const;
  // Drains in-flight requests, then closes the database cleanly.
  void Stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace hivewatch
