#include "agent/log_batch_encoder.h"

#include <array>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <nlohmann/json.hpp>
#include <string_view>
#include <vector>

#include "common/batch_codec.h"
#include "common/level.h"

namespace hivewatch {
namespace {

// The length of the valid UTF-8 sequence (shortest form, no surrogate, at most U+10FFFF) that
// starts with the non-ASCII byte at `p`, as nlohmann's dump accepts it; 0 if it is not one.
size_t Utf8SequenceLength(const unsigned char* p, const unsigned char* end) {
  int n;
  uint32_t cp;
  if ((*p & 0xE0) == 0xC0) {
    n = 1;
    cp = *p & 0x1F;
  } else if ((*p & 0xF0) == 0xE0) {
    n = 2;
    cp = *p & 0x0F;
  } else if ((*p & 0xF8) == 0xF0) {
    n = 3;
    cp = *p & 0x07;
  } else {
    return 0;
  }
  if (end - p <= n) return 0;
  for (int i = 1; i <= n; ++i) {
    if ((p[i] & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (p[i] & 0x3F);
  }
  static constexpr uint32_t kMin[] = {0, 0x80, 0x800, 0x10000};
  if (cp < kMin[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  return static_cast<size_t>(n) + 1;
}

// Appends `s` as a JSON string, escaped as nlohmann's dump does (ensure_ascii off), checking
// on the way that it is valid UTF-8 (one pass over the bytes). On invalid UTF-8 it returns
// false at once, with `out` half written.
bool AppendString(std::string* out, std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  out->push_back('"');
  size_t run = 0;  // start of the bytes not yet copied
  for (size_t i = 0; i < s.size(); ++i) {
    // Eight bytes at a time while none is below 0x20, '"', '\\' or non-ASCII (SWAR "has a
    // zero byte").
    while (i + 8 <= s.size()) {
      uint64_t w;
      std::memcpy(&w, s.data() + i, 8);
      constexpr uint64_t kOnes = 0x0101010101010101ULL, kHigh = 0x8080808080808080ULL;
      const uint64_t quote = w ^ (kOnes * '"'), backslash = w ^ (kOnes * '\\');
      const uint64_t special = ((w - kOnes * 0x20) & ~w) | ((quote - kOnes) & ~quote) |
                               ((backslash - kOnes) & ~backslash);
      if (((special | w) & kHigh) != 0) break;
      i += 8;
    }
    if (i >= s.size()) break;
    const unsigned char c = static_cast<unsigned char>(s[i]);
    if (c >= 0x80) {
      const auto* p = reinterpret_cast<const unsigned char*>(s.data());
      const size_t n = Utf8SequenceLength(p + i, p + s.size());
      if (n == 0) return false;
      i += n - 1;
      continue;
    }
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    out->append(s.data() + run, i - run);
    run = i + 1;
    switch (c) {
      case '"':
        out->append("\\\"");
        break;
      case '\\':
        out->append("\\\\");
        break;
      case '\b':
        out->append("\\b");
        break;
      case '\f':
        out->append("\\f");
        break;
      case '\n':
        out->append("\\n");
        break;
      case '\r':
        out->append("\\r");
        break;
      case '\t':
        out->append("\\t");
        break;
      default: {
        const char esc[] = {'\\', 'u', '0', '0', kHex[c >> 4], kHex[c & 15]};
        out->append(esc, sizeof esc);
      }
    }
  }
  out->append(s.data() + run, s.size() - run);
  out->push_back('"');
  return true;
}

// Appends a sample value as EncodeBatch does: finite numbers through nlohmann's own dtoa
// (Grisu2, which is not always the shortest form std::to_chars would give, so byte identity
// needs the same routine), NaN and infinities as Prometheus's strings.
void AppendValue(std::string* out, double v) {
  if (std::isnan(v)) {
    out->append("\"NaN\"");
  } else if (std::isinf(v)) {
    out->append(v > 0 ? "\"+Inf\"" : "\"-Inf\"");
  } else {
    std::array<char, 64> buf;  // nlohmann's serializer buffer size
    const char* end = nlohmann::detail::to_chars(buf.data(), buf.data() + buf.size(), v);
    out->append(buf.data(), static_cast<size_t>(end - buf.data()));
  }
}

// The metrics array's elements; members in nlohmann's order: labels, name, samples, type.
// False at the first string that is not valid UTF-8 (`out` then half written).
bool AppendMetrics(std::string* out, const std::vector<MetricSeries>& metrics) {
  bool first = true;
  for (const MetricSeries& m : metrics) {
    if (!first) out->push_back(',');
    first = false;
    out->append("{\"labels\":{");
    bool first_label = true;
    for (const auto& [k, v] : m.labels) {
      if (!first_label) out->push_back(',');
      first_label = false;
      if (!AppendString(out, k)) return false;
      out->push_back(':');
      if (!AppendString(out, v)) return false;
    }
    out->append("},\"name\":");
    if (!AppendString(out, m.name)) return false;
    out->append(",\"samples\":[");
    bool first_sample = true;
    for (const Sample& s : m.samples) {
      out->append(first_sample ? "[" : ",[");
      first_sample = false;
      out->append(std::to_string(s.ts_ms));
      out->push_back(',');
      AppendValue(out, s.value);
      out->push_back(']');
    }
    out->append("],\"type\":\"");
    out->append(MetricTypeName(m.type));
    out->append("\"}");
  }
  return true;
}

}  // namespace

void EncodeLogBatch(const Batch& batch, std::string* json) {
  std::string& out = *json;
  out.clear();
  size_t size = 128 + batch.agent.host.size() + batch.agent.id.size() + batch.batch_id.size();
  for (const LogRecord& r : batch.logs) {
    size += 64 + r.service.size() + r.message.size() + r.message.size() / 16;
    for (const auto& [k, v] : r.fields) size += 8 + k.size() + v.size();
  }
  for (const MetricSeries& m : batch.metrics) {
    size += 48 + m.name.size() + 32 * m.samples.size();
    for (const auto& [k, v] : m.labels) size += 6 + k.size() + v.size();
  }
  out.reserve(size);
  bool valid = true;
  // Members in nlohmann's (sorted) order: agent, batch_id, logs, metrics.
  out.append("{\"agent\":{\"host\":");
  valid = valid && AppendString(&out, batch.agent.host);
  out.append(",\"id\":");
  valid = valid && AppendString(&out, batch.agent.id);
  if (!batch.agent.version.empty()) {
    out.append(",\"version\":");
    valid = valid && AppendString(&out, batch.agent.version);
  }
  out.append("},\"batch_id\":");
  valid = valid && AppendString(&out, batch.batch_id);
  out.append(",\"logs\":[");
  bool first = true;
  for (const LogRecord& r : batch.logs) {
    if (!valid) break;
    if (!first) out.push_back(',');
    first = false;
    out.push_back('{');
    if (!r.fields.empty()) {  // fields, level, message, service, ts
      out.append("\"fields\":{");
      bool first_field = true;
      for (const auto& [k, v] : r.fields) {
        if (!first_field) out.push_back(',');
        first_field = false;
        valid = valid && AppendString(&out, k);
        out.push_back(':');
        valid = valid && AppendString(&out, v);
      }
      out.append("},");
    }
    out.append("\"level\":\"");
    out.append(LevelName(r.level));
    out.append("\",\"message\":");
    valid = valid && AppendString(&out, r.message);
    out.append(",\"service\":");
    valid = valid && AppendString(&out, r.service);
    out.append(",\"ts\":");
    char ts[24];
    const auto end = std::to_chars(ts, ts + sizeof ts, r.ts_ms).ptr;
    out.append(ts, static_cast<size_t>(end - ts));
    out.push_back('}');
  }
  out.append("],\"metrics\":[");
  valid = valid && AppendMetrics(&out, batch.metrics);
  if (!valid) {  // EncodeBatch's replacement rules for invalid sequences
    out = EncodeBatch(batch);
    return;
  }
  out.append("]}");
}

std::string EncodeLogBatch(const Batch& batch) {
  std::string out;
  EncodeLogBatch(batch, &out);
  return out;
}

}  // namespace hivewatch
