#include "collector/storage/sqlite/sqlite_chunk_writer.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <utility>

#include "collector/storage/rollup.h"
#include "collector/storage/sqlite/sqlite_schema.h"

namespace hivewatch::sqlite {
namespace {

using chunk::ChunkAppender;
using sqlite_schema::kChunkMaxSamples;
using sqlite_schema::WindowStart;

ChunkAppender FromSamples(const std::vector<Sample>& samples) {
  ChunkAppender a;
  for (const Sample& s : samples) a.Append(s.ts_ms, s.value);
  return a;
}

bool ByTs(const Sample& s, int64_t ts) { return s.ts_ms < ts; }

}  // namespace

Result<ChunkAppender*> SqliteChunkWriter::LoadHead(int64_t series_id, bool new_series) {
  auto it = heads_.find(series_id);
  if (it != heads_.end()) return &it->second;
  if (heads_.size() >= kMaxCachedHeads) heads_.clear();
  ChunkAppender head;
  if (!new_series) {
    auto stmt = db_.Prepare(sqlite_schema::kLoadHead);
    if (!stmt.ok()) return stmt.status();
    stmt->BindInt64(1, series_id);
    const int rc = stmt->Step();
    if (rc == SQLITE_ROW) {
      auto resumed = ChunkAppender::Resume(stmt->ColumnBlob(0));
      if (!resumed.ok()) {
        return resumed.status().WithPrefix("series " + std::to_string(series_id) + " head");
      }
      head = std::move(*resumed);
    } else if (rc != SQLITE_DONE) {
      return db_.Error(rc, "loading a series' head chunk");
    }
  }
  return &heads_.emplace(series_id, std::move(head)).first->second;
}

Status SqliteChunkWriter::WriteRow(const char* sql, int64_t key, const ChunkAppender& chunk,
                                   std::string_view what, bool* changed) {
  auto stmt = db_.Prepare(sql);
  if (!stmt.ok()) return stmt.status();
  const std::string bytes = chunk.Bytes();
  stmt->BindInt64(1, key);
  stmt->BindInt64(2, chunk.min_ts());
  stmt->BindInt64(3, chunk.max_ts());
  stmt->BindInt64(4, chunk.count());
  stmt->BindBlob(5, bytes);
  const int rc = stmt->Run();
  if (rc != SQLITE_DONE) return db_.Error(rc, what);
  if (changed != nullptr) *changed = sqlite3_changes(db_.db()) > 0;
  return Status::Ok();
}

Status SqliteChunkWriter::StoreHead(int64_t series_id, const ChunkAppender& head) {
  bool updated = false;
  HW_RETURN_IF_ERROR(
      WriteRow(sqlite_schema::kUpdateHead, series_id, head, "storing a head chunk", &updated));
  if (updated) return Status::Ok();
  return WriteRow(sqlite_schema::kInsertHead, series_id, head, "storing a head chunk", nullptr);
}

Status SqliteChunkWriter::Seal(int64_t series_id, const ChunkAppender& chunk) {
  changed_windows_.emplace(series_id, WindowStart(chunk.min_ts()));
  return WriteRow(sqlite_schema::kSealChunk, series_id, chunk, "storing a sample chunk", nullptr);
}

Status SqliteChunkWriter::Add(int64_t series_id, std::vector<Sample> samples, bool new_series,
                              int64_t* added) {
  chunk::SortAndDedupe(&samples);
  if (samples.empty()) return Status::Ok();
  auto loaded = LoadHead(series_id, new_series);
  if (!loaded.ok()) return loaded.status();
  ChunkAppender& head = **loaded;
  auto next = samples.begin();

  if (head.count() > 0 && next->ts_ms < head.min_ts()) {
    const auto end_late = std::lower_bound(next, samples.end(), head.min_ts(), ByTs);
    HW_RETURN_IF_ERROR(AddLate(series_id, &head, std::vector<Sample>(next, end_late), added));
    next = end_late;
  }
  bool dirty = false;
  if (head.count() > 0 && next != samples.end() && next->ts_ms <= head.max_ts()) {
    // Within the head's range: decode, merge, encode again.
    const auto end_mid = std::upper_bound(next, samples.end(), head.max_ts(),
                                          [](int64_t ts, const Sample& s) { return ts < s.ts_ms; });
    std::vector<Sample> stored;
    HW_RETURN_IF_ERROR(chunk::DecodeAll(head.Bytes(), &stored));
    *added +=
        static_cast<int64_t>(chunk::MergeSamples(&stored, std::vector<Sample>(next, end_mid)));
    head = FromSamples(stored);
    next = end_mid;
    dirty = true;
  }
  for (; next != samples.end(); ++next) {
    if (head.count() > 0 && (head.count() >= kChunkMaxSamples ||
                             WindowStart(next->ts_ms) != WindowStart(head.min_ts()))) {
      HW_RETURN_IF_ERROR(Seal(series_id, head));
      head = ChunkAppender();
    }
    head.Append(next->ts_ms, next->value);
    ++*added;
    dirty = true;
  }
  if (dirty) HW_RETURN_IF_ERROR(StoreHead(series_id, head));
  return Status::Ok();
}

Status SqliteChunkWriter::AddLate(int64_t series_id, ChunkAppender* head,
                                  const std::vector<Sample>& late, int64_t* added) {
  // One chunk a late sample may go to: a sealed one (id > 0) or the head (id 0).
  struct Target {
    int64_t id = 0;
    int64_t min_ts = 0;
    std::string data;
    std::vector<Sample> incoming;
  };
  auto it = late.begin();
  while (it != late.end()) {
    const int64_t window = WindowStart(it->ts_ms);
    auto window_end = std::find_if(it, late.end(),
                                   [&](const Sample& s) { return WindowStart(s.ts_ms) != window; });
    std::vector<Target> targets;
    {
      auto stmt = db_.Prepare(sqlite_schema::kChunksOfWindow);
      if (!stmt.ok()) return stmt.status();
      stmt->BindInt64(1, series_id);
      stmt->BindInt64(2, window);
      stmt->BindInt64(3, window + sqlite_schema::kChunkWindowMs);
      int rc;
      while ((rc = stmt->Step()) == SQLITE_ROW) {
        Target t;
        t.id = stmt->ColumnInt64(0);
        t.min_ts = stmt->ColumnInt64(1);
        t.data = std::string(stmt->ColumnBlob(2));
        targets.push_back(std::move(t));
      }
      if (rc != SQLITE_DONE) return db_.Error(rc, "reading sample chunks");
    }
    if (head->count() > 0 && WindowStart(head->min_ts()) == window) {
      Target t;
      t.id = 0;
      t.min_ts = head->min_ts();
      t.data = head->Bytes();
      targets.push_back(std::move(t));
    }
    if (targets.empty()) {
      // Nothing stored in this window: the samples make a chunk of their own.
      const std::vector<Sample> fresh(it, window_end);
      HW_RETURN_IF_ERROR(Seal(series_id, FromSamples(fresh)));
      *added += static_cast<int64_t>(fresh.size());
      it = window_end;
      continue;
    }
    // Each sample goes to the last chunk starting at or before it (or the window's first).
    size_t t = 0;
    for (; it != window_end; ++it) {
      while (t + 1 < targets.size() && targets[t + 1].min_ts <= it->ts_ms) ++t;
      targets[t].incoming.push_back(*it);
    }
    for (Target& target : targets) {
      if (target.incoming.empty()) continue;
      std::vector<Sample> stored;
      HW_RETURN_IF_ERROR(chunk::DecodeAll(target.data, &stored));
      *added += static_cast<int64_t>(chunk::MergeSamples(&stored, target.incoming));
      ChunkAppender merged = FromSamples(stored);
      if (target.id == 0) {
        *head = std::move(merged);
        HW_RETURN_IF_ERROR(StoreHead(series_id, *head));
        continue;
      }
      changed_windows_.emplace(series_id, window);
      HW_RETURN_IF_ERROR(WriteRow(sqlite_schema::kRewriteChunk, target.id, merged,
                                  "rewriting a sample chunk", nullptr));
    }
  }
  return Status::Ok();
}

Status SqliteChunkWriter::BuildRollups() {
  for (const auto& [series_id, window] : changed_windows_) {
    HW_RETURN_IF_ERROR(BuildRollups(series_id, window));
  }
  changed_windows_.clear();
  return Status::Ok();
}

Status SqliteChunkWriter::BuildRollups(int64_t series_id, int64_t window) {
  using sqlite_schema::kRollupBucketMs;
  const int64_t window_end = window + sqlite_schema::kChunkWindowMs;
  // Hours reaching the head stay raw: the head still grows.
  auto head = LoadHead(series_id, false);
  if (!head.ok()) return head.status();
  const int64_t limit =
      (*head)->count() > 0 ? (*head)->min_ts() : std::numeric_limits<int64_t>::max();
  {
    auto del = db_.Prepare(sqlite_schema::kDeleteRollups);
    if (!del.ok()) return del.status();
    del->BindInt64(1, series_id);
    del->BindInt64(2, window);
    del->BindInt64(3, window_end);
    const int rc = del->Run();
    if (rc != SQLITE_DONE) return db_.Error(rc, "deleting rollups");
  }
  std::vector<Sample> samples;
  {
    auto stmt = db_.Prepare(sqlite_schema::kChunksOfWindow);
    if (!stmt.ok()) return stmt.status();
    stmt->BindInt64(1, series_id);
    stmt->BindInt64(2, window);
    stmt->BindInt64(3, window_end);
    int rc;
    while ((rc = stmt->Step()) == SQLITE_ROW) {
      HW_RETURN_IF_ERROR(chunk::DecodeAll(stmt->ColumnBlob(2), &samples));
    }
    if (rc != SQLITE_DONE) return db_.Error(rc, "reading sample chunks");
  }
  // Chunks come in time order and never overlap: `samples` is sorted.
  auto insert = db_.Prepare(sqlite_schema::kInsertRollup);
  if (!insert.ok()) return insert.status();
  auto bind_value = [&](int index, double v) {
    if (std::isnan(v)) {
      insert->BindNull(index);
    } else {
      insert->BindDouble(index, v);
    }
  };
  for (size_t i = 0; i < samples.size();) {
    const int64_t bucket = samples[i].ts_ms - ((samples[i].ts_ms - window) % kRollupBucketMs);
    size_t j = i;
    while (j < samples.size() && samples[j].ts_ms < bucket + kRollupBucketMs) ++j;
    if (bucket + kRollupBucketMs > limit) break;
    const RollupBucket r = Summarise(bucket, samples.data() + i, j - i);
    insert->Reset();
    insert->BindInt64(1, series_id);
    insert->BindInt64(2, bucket);
    insert->BindInt64(3, r.count);
    bind_value(4, r.min);
    bind_value(5, r.max);
    bind_value(6, r.sum);
    insert->BindInt64(7, r.first.ts_ms);
    bind_value(8, r.first.value);
    insert->BindInt64(9, r.last.ts_ms);
    bind_value(10, r.last.value);
    const int rc = insert->Run();
    if (rc != SQLITE_DONE) return db_.Error(rc, "storing a rollup");
    i = j;
  }
  return Status::Ok();
}

Status BackfillRollups(Connection& db) {
  SqliteChunkWriter writer(db);
  auto stmt = db.Prepare(sqlite_schema::kChunkStarts);
  if (!stmt.ok()) return stmt.status();
  int64_t series_id = 0, window = 0;
  bool any = false;
  int rc;
  while ((rc = stmt->Step()) == SQLITE_ROW) {
    const int64_t id = stmt->ColumnInt64(0);
    const int64_t w = WindowStart(stmt->ColumnInt64(1));
    if (any && id == series_id && w == window) continue;  // the window is done
    if (any && id != series_id) writer.Forget();          // one head at a time is enough
    any = true;
    series_id = id;
    window = w;
    HW_RETURN_IF_ERROR(writer.BuildRollups(series_id, window));
  }
  if (rc != SQLITE_DONE) return db.Error(rc, "listing sample chunks");
  return Status::Ok();
}

Status MigrateSamplesToChunks(Connection& db) {
  auto exists = db.QueryInt(sqlite_schema::kV1SamplesExist);
  if (!exists.ok()) return exists.status();
  if (*exists == 0) return Status::Ok();
  SqliteChunkWriter writer(db);
  int64_t added = 0;
  {
    auto stmt = db.Prepare(sqlite_schema::kV1ReadSamples);
    if (!stmt.ok()) return stmt.status();
    int64_t series_id = 0;
    std::vector<Sample> samples;
    int rc;
    while ((rc = stmt->Step()) == SQLITE_ROW) {
      const int64_t id = stmt->ColumnInt64(0);
      if (id != series_id && !samples.empty()) {
        HW_RETURN_IF_ERROR(writer.Add(series_id, std::move(samples), true, &added));
        samples.clear();
        writer.Forget();  // each series is written once: no need to keep its head
      }
      series_id = id;
      samples.push_back({stmt->ColumnInt64(1), stmt->ColumnIsNull(2)
                                                   ? std::numeric_limits<double>::quiet_NaN()
                                                   : stmt->ColumnDouble(2)});
    }
    if (rc != SQLITE_DONE) return db.Error(rc, "reading the samples of schema version 1");
    if (!samples.empty())
      HW_RETURN_IF_ERROR(writer.Add(series_id, std::move(samples), true, &added));
  }
  HW_RETURN_IF_ERROR(writer.BuildRollups());
  return db.Exec(sqlite_schema::kV1DropSamples);
}

}  // namespace hivewatch::sqlite
