// Metric reads of the SQLite backend (Storage::SelectSeries, ListSeries, LatestSamples) on one
// read connection, each in one read transaction (one snapshot).
//
// Plan: equality matchers on `__name__` and `host` go into the SQL that lists candidate rows of
// `series`; every matcher (those two again, harmlessly) is then checked in C++ on the full label
// set, and only the surviving series have their samples read, one indexed range scan
// (series_id, ts) each. Pushed labels are stored as canonical JSON, so the label set is built by
// parsing it and adding `__name__` and `host` (the agent's host wins over a pushed `host`
// label). Two stored series that end up with the same label set that way are merged.
#pragma once

#include <cstdint>
#include <vector>

#include "collector/storage/sqlite/sqlite_db.h"
#include "collector/storage/storage.h"

namespace hivewatch::sqlite {

Result<std::vector<SeriesSamples>> SelectSeriesOn(Connection& conn,
                                                  const SeriesSelection& selection);
// SelectSeries with the hour rollups (sqlite_schema.h) of the hours wholly inside the window;
// merged series (several stored ids) come raw.
Result<std::vector<SeriesRollups>> SelectRollupsOn(Connection& conn,
                                                   const SeriesSelection& selection);
Result<std::vector<Labels>> ListSeriesOn(Connection& conn, const SeriesSelection& selection);
Result<std::vector<SeriesSamples>> LatestSamplesOn(Connection& conn,
                                                   const std::vector<LabelMatcher>& matchers,
                                                   int64_t at_ms, int64_t lookback_ms);

}  // namespace hivewatch::sqlite
