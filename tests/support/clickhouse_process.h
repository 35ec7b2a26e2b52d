// A real ClickHouse server (Debian's clickhouse-server, installed by packaging/install-deps.sh)
// for tests: the stock /etc/clickhouse-server config copied into a temp directory, every data,
// log and tmp path moved there, listening on 127.0.0.1 only, on free ports; stopped with
// SIGTERM. A missing binary fails the test (it is not skipped): CI must have the server. Its
// config names one cluster, `hivewatch_test`: a single shard, the server itself.
#pragma once

#include <string>

#include "tests/support/process.h"

namespace hivewatch::testing {

class ClickhouseProcess {
 public:
  ClickhouseProcess();
  ~ClickhouseProcess();  // SIGTERM, then SIGKILL if it does not exit within 30 s

  // Starts the server and waits (up to 30 s) until GET /ping answers "Ok."; fails the test
  // otherwise.
  void Start();
  // Runs one statement (outside any database); fails the test on an error. Returns the body.
  std::string Query(const std::string& sql);

  const std::string& url() const { return url_; }  // "http://127.0.0.1:PORT"
  std::string log() const;                         // the server's error log so far

 private:
  TempDir dir_;
  Process process_;
  std::string url_;
};

std::string ClickhouseServerBinary();  // /usr/bin/clickhouse-server or /usr/sbin/…

// One server for the whole test process, started on first use (each test still uses its own
// database: see NewClickhouseDatabase).
ClickhouseProcess& SharedClickhouse();
// A database name not used before in this process ("hw_test_<pid>_<n>").
std::string NewClickhouseDatabase();

}  // namespace hivewatch::testing
