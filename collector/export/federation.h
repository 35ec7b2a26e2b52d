// GET /federate's content: the newest sample of every host series that match[] selects, in
// Prometheus text exposition (format 0.0.4) with an `instance` label, so that an existing
// Prometheus can scrape every host through one collector (docs/api.md, "GET /federate").
// Functions only; thread-safe as long as the Storage is.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "collector/storage/storage.h"

namespace hivewatch {

// How far back /federate looks for a series' newest sample (Prometheus's default lookback).
inline constexpr int64_t kFederateLookbackMs = 5 * 60 * 1000;

// The labels a stored series has on /federate: its own (with `host`) plus `instance` = host.
// A pushed `instance` label is kept as `exported_instance` (as Prometheus renames a target's
// label that conflicts with its own), so no two series collapse into one.
Labels FederatedLabels(const Labels& stored);

// The newest sample (at or before now_ms, no older than kFederateLookbackMs) of every series
// that matches any of `selectors` (Prometheus series selectors, match[]), with FederatedLabels;
// selectors may refer to `instance` too. No selector selects every series. kInvalidArgument
// naming the selector when one does not parse.
Result<std::vector<SeriesSamples>> SelectFederatedSeries(Storage& storage,
                                                         const std::vector<std::string>& selectors,
                                                         int64_t now_ms);

// Text exposition of `series` (one sample each; labels include __name__): one family per metric
// name, sorted, each with HELP and TYPE lines (the stored type; `untyped` when hosts disagree),
// then `name{labels} value timestamp_ms`.
std::string RenderFederation(std::vector<SeriesSamples> series);

// A sample value as Prometheus writes it: the shortest text that reads back as the same double,
// NaN, +Inf, -Inf.
std::string FormatSampleValue(double value);

}  // namespace hivewatch
