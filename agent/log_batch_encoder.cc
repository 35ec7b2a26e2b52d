#include "agent/log_batch_encoder.h"

#include <array>
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

// Valid UTF-8 (shortest forms, no surrogates, at most U+10FFFF), as nlohmann's dump accepts it.
bool ValidUtf8(std::string_view s) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const auto* end = p + s.size();
  while (p < end) {
    if (end - p >= 8) {  // ASCII eight bytes at a time
      uint64_t word;
      std::memcpy(&word, p, 8);
      if ((word & 0x8080808080808080ULL) == 0) {
        p += 8;
        continue;
      }
    }
    if (*p < 0x80) {
      ++p;
      continue;
    }
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
      return false;
    }
    if (end - p <= n) return false;
    for (int i = 1; i <= n; ++i) {
      if ((p[i] & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (p[i] & 0x3F);
    }
    static constexpr uint32_t kMin[] = {0, 0x80, 0x800, 0x10000};
    if (cp < kMin[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    p += n + 1;
  }
  return true;
}

// Appends `s` as a JSON string, escaped as nlohmann's dump does (ensure_ascii off).
void AppendString(std::string* out, std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  out->push_back('"');
  size_t run = 0;  // start of the bytes not yet copied
  for (size_t i = 0; i < s.size(); ++i) {
    // Eight bytes at a time while none is below 0x20, '"' or '\\' (SWAR "has a zero byte").
    while (i + 8 <= s.size()) {
      uint64_t w;
      std::memcpy(&w, s.data() + i, 8);
      constexpr uint64_t kOnes = 0x0101010101010101ULL, kHigh = 0x8080808080808080ULL;
      const uint64_t quote = w ^ (kOnes * '"'), backslash = w ^ (kOnes * '\\');
      const uint64_t special = ((w - kOnes * 0x20) & ~w) | ((quote - kOnes) & ~quote) |
                               ((backslash - kOnes) & ~backslash);
      if ((special & kHigh) != 0) break;
      i += 8;
    }
    if (i >= s.size()) break;
    const unsigned char c = static_cast<unsigned char>(s[i]);
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
void AppendMetrics(std::string* out, const std::vector<MetricSeries>& metrics) {
  bool first = true;
  for (const MetricSeries& m : metrics) {
    if (!first) out->push_back(',');
    first = false;
    out->append("{\"labels\":{");
    bool first_label = true;
    for (const auto& [k, v] : m.labels) {
      if (!first_label) out->push_back(',');
      first_label = false;
      AppendString(out, k);
      out->push_back(':');
      AppendString(out, v);
    }
    out->append("},\"name\":");
    AppendString(out, m.name);
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
}

}  // namespace

void EncodeLogBatch(const Batch& batch, std::string* json) {
  std::string& out = *json;
  out.clear();
  size_t size = 128 + batch.agent.host.size() + batch.agent.id.size() + batch.batch_id.size();
  bool valid = ValidUtf8(batch.agent.host) && ValidUtf8(batch.agent.id) &&
               ValidUtf8(batch.agent.version) && ValidUtf8(batch.batch_id);
  for (const LogRecord& r : batch.logs) {
    size += 64 + r.service.size() + r.message.size() + r.message.size() / 16;
    valid = valid && ValidUtf8(r.message) && ValidUtf8(r.service);
    for (const auto& [k, v] : r.fields) {
      size += 8 + k.size() + v.size();
      valid = valid && ValidUtf8(k) && ValidUtf8(v);
    }
  }
  for (const MetricSeries& m : batch.metrics) {
    size += 48 + m.name.size() + 32 * m.samples.size();
    valid = valid && ValidUtf8(m.name);
    for (const auto& [k, v] : m.labels) {
      size += 6 + k.size() + v.size();
      valid = valid && ValidUtf8(k) && ValidUtf8(v);
    }
  }
  if (!valid) {  // EncodeBatch's replacement rules for invalid sequences
    out = EncodeBatch(batch);
    return;
  }
  out.reserve(size);
  // Members in nlohmann's (sorted) order: agent, batch_id, logs, metrics.
  out.append("{\"agent\":{\"host\":");
  AppendString(&out, batch.agent.host);
  out.append(",\"id\":");
  AppendString(&out, batch.agent.id);
  if (!batch.agent.version.empty()) {
    out.append(",\"version\":");
    AppendString(&out, batch.agent.version);
  }
  out.append("},\"batch_id\":");
  AppendString(&out, batch.batch_id);
  out.append(",\"logs\":[");
  bool first = true;
  for (const LogRecord& r : batch.logs) {
    if (!first) out.push_back(',');
    first = false;
    out.push_back('{');
    if (!r.fields.empty()) {  // fields, level, message, service, ts
      out.append("\"fields\":{");
      bool first_field = true;
      for (const auto& [k, v] : r.fields) {
        if (!first_field) out.push_back(',');
        first_field = false;
        AppendString(&out, k);
        out.push_back(':');
        AppendString(&out, v);
      }
      out.append("},");
    }
    out.append("\"level\":\"");
    out.append(LevelName(r.level));
    out.append("\",\"message\":");
    AppendString(&out, r.message);
    out.append(",\"service\":");
    AppendString(&out, r.service);
    out.append(",\"ts\":");
    out.append(std::to_string(r.ts_ms));
    out.push_back('}');
  }
  out.append("],\"metrics\":[");
  AppendMetrics(&out, batch.metrics);
  out.append("]}");
}

std::string EncodeLogBatch(const Batch& batch) {
  std::string out;
  EncodeLogBatch(batch, &out);
  return out;
}

}  // namespace hivewatch
