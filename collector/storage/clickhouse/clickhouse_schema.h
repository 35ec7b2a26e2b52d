// The ClickHouse backend's tables, as DDL for ClickHouse 18.16 and later (docs/scale-out.md
// shows the statements). Without a cluster the three tables are plain MergeTree tables in the
// database. With a cluster, each is a `<name>_local` table created ON CLUSTER on every shard
// (that needs the cluster's distributed DDL, i.e. ZooKeeper) and `<name>` a Distributed table
// over them, which the collectors read and write.
//
//   logs     one row per log line; MergeTree partitioned by day of ts, ordered by
//            (host, service, ts) — the filters of the Logs page. `words` holds the message's
//            search words (clickhouse_words.h); `attempt` names the write that stored the row.
//   samples  one row per pushed sample; ReplacingMergeTree(version) by (host, name, labels, ts):
//            a repeated point is replaced (readers take argMax(value, version) until a merge).
//   batches  the idempotency record: one row per state change of a write attempt
//            (BatchState), ordered by (agent_id, batch_id).
//   tokens   the collectors' API tokens (ClickhouseTokenStore): a row when a token is created
//            and another with revoked_ms set when it is revoked.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "collector/storage/clickhouse/clickhouse_client.h"
#include "collector/storage/storage.h"

namespace hivewatch::clickhouse {

// What a row of `batches` says about an attempt to write a batch.
enum class BatchState : int { kStarted = 1, kCommitted = 2, kSuperseded = 3 };

// CREATE DATABASE / CREATE TABLE … IF NOT EXISTS, in order, each with the table it creates
// ("" for the database).
struct SchemaStatement {
  std::string table;
  std::string sql;
};
std::vector<SchemaStatement> SchemaStatements(const std::string& database,
                                              const std::string& cluster);

// Connects to the configured server and creates the database and the tables that are missing
// (only those: with a cluster, tables an operator made beforehand need no distributed DDL).
Result<std::unique_ptr<Client>> OpenDatabase(const ClickhouseOptions& options);

// Log rows that count: those not written by a superseded attempt (a half-written or losing
// duplicate write, see clickhouse_storage.h).
inline constexpr const char* kVisibleLogs =
    "attempt GLOBAL NOT IN (SELECT attempt FROM batches WHERE state = 3)";

}  // namespace hivewatch::clickhouse
