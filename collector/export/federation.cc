#include "collector/export/federation.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <map>

#include "collector/query/promql/parser.h"
#include "collector/storage/label_match.h"

namespace hivewatch {
namespace {

const std::string& NameOf(const SeriesSamples& s) {
  static const std::string kEmpty;
  auto it = s.labels.find("__name__");
  return it == s.labels.end() ? kEmpty : it->second;
}

// Matchers the storage can apply: those on labels that exist in storage. `instance` and
// `exported_*` may refer to labels FederatedLabels makes, so only the final filter checks them.
std::vector<LabelMatcher> StorageMatchers(const std::vector<LabelMatcher>& matchers) {
  std::vector<LabelMatcher> out;
  for (const LabelMatcher& m : matchers) {
    if (m.name == "instance" || m.name.rfind("exported_", 0) == 0) continue;
    out.push_back(m);
  }
  return out;
}

void AppendLabelValue(const std::string& value, std::string* out) {
  for (char c : value) {
    switch (c) {
      case '\\':
        *out += "\\\\";
        break;
      case '"':
        *out += "\\\"";
        break;
      case '\n':
        *out += "\\n";
        break;
      default:
        out->push_back(c);
    }
  }
}

}  // namespace

Labels FederatedLabels(const Labels& stored) {
  Labels out = stored;
  auto instance = out.find("instance");
  if (instance != out.end()) {
    std::string name = "exported_instance";
    while (out.count(name)) name = "exported_" + name;
    out[name] = instance->second;
  }
  auto host = stored.find("host");
  out["instance"] = host == stored.end() ? "" : host->second;
  return out;
}

Result<std::vector<SeriesSamples>> SelectFederatedSeries(Storage& storage,
                                                         const std::vector<std::string>& selectors,
                                                         int64_t now_ms) {
  // Each selector: its matchers, and the same compiled for the final filter.
  std::vector<std::pair<std::vector<LabelMatcher>, CompiledMatchers>> parsed;
  for (const std::string& text : selectors) {
    Result<std::vector<LabelMatcher>> matchers = promql::ParseMetricSelector(text);
    if (!matchers.ok()) return matchers.status().WithPrefix("match[] '" + text + "'");
    Result<CompiledMatchers> compiled = CompiledMatchers::Compile(*matchers);
    if (!compiled.ok()) return compiled.status().WithPrefix("match[] '" + text + "'");
    parsed.emplace_back(std::move(matchers).value(), std::move(compiled).value());
  }
  if (parsed.empty()) parsed.emplace_back();  // no match[]: every series
  // Keyed by the final labels: a series several selectors match is written once.
  std::map<Labels, SeriesSamples> selected;
  for (const auto& [matchers, compiled] : parsed) {
    Result<std::vector<SeriesSamples>> latest =
        storage.LatestSamples(StorageMatchers(matchers), now_ms, kFederateLookbackMs);
    if (!latest.ok()) return latest.status();
    for (SeriesSamples& s : *latest) {
      if (s.samples.empty()) continue;
      Labels labels = FederatedLabels(s.labels);
      if (!compiled.Matches(labels)) continue;
      s.labels = labels;
      selected.insert_or_assign(std::move(labels), std::move(s));
    }
  }
  std::vector<SeriesSamples> out;
  out.reserve(selected.size());
  for (auto& [_, s] : selected) out.push_back(std::move(s));
  return out;
}

std::string FormatSampleValue(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  char buf[32];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, value);
  return std::string(buf, end);
}

std::string RenderFederation(std::vector<SeriesSamples> series) {
  std::stable_sort(series.begin(), series.end(),
                   [](const SeriesSamples& a, const SeriesSamples& b) {
                     const std::string& an = NameOf(a);
                     const std::string& bn = NameOf(b);
                     return an != bn ? an < bn : a.labels < b.labels;
                   });
  std::string out;
  for (size_t begin = 0; begin < series.size();) {
    const std::string& name = NameOf(series[begin]);
    size_t end = begin;
    bool same_type = true;
    while (end < series.size() && NameOf(series[end]) == name) {
      same_type = same_type && series[end].type == series[begin].type;
      ++end;
    }
    // The text format wants one HELP and one TYPE line per family, and promtool's lint wants
    // help text; none is pushed, so say where the samples come from.
    out += "# HELP " + name +
           " Newest sample of each host's series, federated by hivewatch (no help text is "
           "stored).\n";
    out += "# TYPE " + name + " " + (same_type ? MetricTypeName(series[begin].type) : "untyped") +
           "\n";
    for (size_t i = begin; i < end; ++i) {
      const SeriesSamples& s = series[i];
      out += name;
      bool first = true;
      for (const auto& [label, value] : s.labels) {
        if (label == "__name__") continue;
        out += first ? '{' : ',';
        first = false;
        out += label;
        out += "=\"";
        AppendLabelValue(value, &out);
        out += '"';
      }
      if (!first) out += '}';
      const Sample& sample = s.samples.back();
      out += ' ';
      out += FormatSampleValue(sample.value);
      out += ' ';
      out += std::to_string(sample.ts_ms);
      out += '\n';
    }
    begin = end;
  }
  return out;
}

}  // namespace hivewatch
