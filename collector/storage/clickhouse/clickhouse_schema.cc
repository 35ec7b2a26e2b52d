#include "collector/storage/clickhouse/clickhouse_schema.h"

#include <set>

#include "collector/storage/clickhouse/clickhouse_client.h"

namespace hivewatch::clickhouse {
namespace {

struct Table {
  const char* name;
  const char* columns;
  const char* engine;  // engine and its clauses
  const char* sharding_key;
};

// Day partitions of a millisecond timestamp.
#define HW_DAY_OF(col) "toDate(toDateTime(intDiv(" col ", 1000)))"

constexpr Table kTables[] = {
    {"logs",
     "id Int64, ts Int64, host String, service String, level UInt8, message String, "
     "words String, fields String, attempt UInt64",
     "MergeTree PARTITION BY " HW_DAY_OF("ts") " ORDER BY (host, service, ts)", "cityHash64(host)"},
    {"samples",
     "host String, name String, labels String, type UInt8, ts Int64, value Float64, "
     "version UInt64",
     "ReplacingMergeTree(version) PARTITION BY " HW_DAY_OF(
         "ts") " ORDER BY (host, name, labels, ts)",
     "cityHash64(host, name, labels)"},
    {"batches",
     "agent_id String, batch_id String, attempt UInt64, state UInt8, at_ms Int64, host String, "
     "agent_version String, log_lines Int64, samples Int64, last_id Int64",
     "MergeTree ORDER BY (agent_id, batch_id)", "cityHash64(agent_id, batch_id)"},
    {"tokens",
     "id Int64, name String, hash String, scopes String, created_ms Int64, revoked_ms Int64",
     "MergeTree ORDER BY (hash, id)", "id"},
};

#undef HW_DAY_OF

}  // namespace

std::vector<SchemaStatement> SchemaStatements(const std::string& database,
                                              const std::string& cluster) {
  const std::string db = QuoteName(database);
  const std::string on_cluster = cluster.empty() ? "" : " ON CLUSTER " + QuoteName(cluster);
  std::vector<SchemaStatement> out;
  out.push_back({"", "CREATE DATABASE IF NOT EXISTS " + db + on_cluster});
  for (const Table& t : kTables) {
    const std::string local = cluster.empty() ? t.name : std::string(t.name) + "_local";
    out.push_back({local, "CREATE TABLE IF NOT EXISTS " + db + "." + local + on_cluster + " (" +
                              t.columns + ") ENGINE = " + t.engine});
    if (!cluster.empty()) {
      out.push_back({t.name, "CREATE TABLE IF NOT EXISTS " + db + "." + t.name + on_cluster +
                                 " AS " + db + "." + local + " ENGINE = Distributed(" +
                                 Quote(cluster) + ", " + Quote(database) + ", " + Quote(local) +
                                 ", " + t.sharding_key + ")"});
    }
  }
  return out;
}

Result<std::unique_ptr<Client>> OpenDatabase(const ClickhouseOptions& options) {
  if (options.url.empty()) return InvalidArgument("storage: clickhouse url is not set");
  if (options.database.empty()) return InvalidArgument("storage: clickhouse database is not set");
  ClientOptions client_options;
  client_options.url = options.url;
  client_options.database = options.database;
  client_options.user = options.user;
  client_options.password = options.password;
  if (!options.cluster.empty()) {
    // A write acknowledged by a Distributed table is on its shards, not in a local queue.
    client_options.settings.emplace_back("insert_distributed_sync", "1");
  }
  auto client = std::make_unique<Client>(client_options);
  // What exists already: rows of (database, table), a table "" for the database itself.
  Result<std::string> existing = client->Query(
      "SELECT name, '' FROM system.databases WHERE name = " + Quote(options.database) +
          " UNION ALL SELECT database, name FROM system.tables WHERE database = " +
          Quote(options.database) + " FORMAT RowBinary",
      /*in_database=*/false);
  if (!existing.ok()) return existing.status().WithPrefix("connecting to ClickHouse: ");
  std::set<std::string> present;
  RowReader r(*existing);
  while (!r.AtEnd()) {
    r.String();
    present.insert(r.String());
  }
  if (!r.ok()) return Internal("ClickHouse sent a malformed table list");
  for (const SchemaStatement& statement : SchemaStatements(options.database, options.cluster)) {
    if (present.count(statement.table)) continue;
    Result<std::string> created = client->Query(statement.sql, /*in_database=*/false);
    if (!created.ok()) return created.status().WithPrefix("creating the ClickHouse tables: ");
  }
  return client;
}

}  // namespace hivewatch::clickhouse
