#include "common/batch_codec.h"

#include <simdjson.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <nlohmann/json.hpp>

#include "common/names.h"

namespace hivewatch {
namespace {

using simdjson::dom::element;
using simdjson::dom::element_type;
using simdjson::dom::object;

const char* TypeName(element_type t) {
  switch (t) {
    case element_type::ARRAY:
      return "array";
    case element_type::OBJECT:
      return "object";
    case element_type::INT64:
    case element_type::UINT64:
      return "integer";
    case element_type::DOUBLE:
      return "number";
    case element_type::STRING:
      return "string";
    case element_type::BOOL:
      return "boolean";
    case element_type::NULL_VALUE:
      return "null";
  }
  return "value";
}

// Where a value sits in the document ("logs[3].ts"), built as a chain on the stack and only
// turned into a string when there is an error to report: the success path allocates nothing.
class Path {
 public:
  Path() = default;
  // A top-level member; unlike Path().Key(k) it does not point at a temporary.
  static Path Top(std::string_view key) { return Path(nullptr, key, kNoIndex); }
  // Children point at their parent: keep the parent alive while a child is in use.
  Path Key(std::string_view key) const { return Path(this, key, kNoIndex); }
  Path Index(size_t index) const { return Path(this, {}, index); }

  std::string str() const {
    if (parent_ == nullptr) return std::string(key_);
    std::string s = parent_->str();
    if (index_ != kNoIndex) return s + "[" + std::to_string(index_) + "]";
    return s.empty() ? std::string(key_) : s + "." + std::string(key_);
  }

 private:
  static constexpr size_t kNoIndex = static_cast<size_t>(-1);
  Path(const Path* parent, std::string_view key, size_t index)
      : parent_(parent), key_(key), index_(index) {}
  const Path* parent_ = nullptr;
  std::string_view key_;
  size_t index_ = kNoIndex;
};

Status Expected(const Path& path, const char* what, const element& e) {
  return InvalidArgument(path.str() + ": expected " + what + ", got " + TypeName(e.type()));
}

// Rejects members not in `allowed`: a misspelt key ("mesage") must not be silently dropped.
Status CheckMembers(const Path& path, const object& obj,
                    std::initializer_list<std::string_view> allowed) {
  for (auto field : obj) {
    if (std::find(allowed.begin(), allowed.end(), field.key) != allowed.end()) continue;
    std::string list;
    for (std::string_view a : allowed) list += (list.empty() ? "" : ", ") + std::string(a);
    return InvalidArgument(path.Key(field.key).str() + ": unknown member (expected " + list + ")");
  }
  return Status::Ok();
}

// Walks one parsed document, building the Batch; each method validates one part.
class Decoder {
 public:
  Decoder(const DecodeLimits& limits, int64_t now_ms) : limits_(limits), now_ms_(now_ms) {}

  Status Decode(const element& root, Batch* out) {
    if (!root.is_object()) return Expected(Path::Top("body"), "a JSON object", root);
    object obj = root.get_object().value_unsafe();
    HW_RETURN_IF_ERROR(CheckMembers(Path(), obj, {"agent", "batch_id", "metrics", "logs"}));

    element agent;
    if (obj["agent"].get(agent) != simdjson::SUCCESS) return InvalidArgument("agent: missing");
    HW_RETURN_IF_ERROR(DecodeAgent(agent, &out->agent));

    element batch_id;
    if (obj["batch_id"].get(batch_id) != simdjson::SUCCESS) {
      return InvalidArgument("batch_id: missing");
    }
    HW_RETURN_IF_ERROR(
        String(Path::Top("batch_id"), batch_id, 256, /*allow_empty=*/false, &out->batch_id));

    element metrics;
    if (obj["metrics"].get(metrics) == simdjson::SUCCESS && !metrics.is_null()) {
      if (!metrics.is_array()) return Expected(Path::Top("metrics"), "an array", metrics);
      simdjson::dom::array arr = metrics.get_array().value_unsafe();
      size_t i = 0;
      for (element m : arr) {
        out->metrics.emplace_back();
        HW_RETURN_IF_ERROR(DecodeSeries(Path::Top("metrics").Index(i++), m, &out->metrics.back()));
      }
    }
    element logs;
    if (obj["logs"].get(logs) == simdjson::SUCCESS && !logs.is_null()) {
      if (!logs.is_array()) return Expected(Path::Top("logs"), "an array", logs);
      simdjson::dom::array arr = logs.get_array().value_unsafe();
      out->logs.reserve(arr.size());
      size_t i = 0;
      for (element l : arr) {
        out->logs.emplace_back();
        HW_RETURN_IF_ERROR(DecodeLog(i++, l, &out->logs.back()));
      }
    }
    return Status::Ok();
  }

 private:
  Status String(const Path& path, const element& e, size_t max_bytes, bool allow_empty,
                std::string* out) {
    std::string_view s;
    if (e.get_string().get(s) != simdjson::SUCCESS) return Expected(path, "string", e);
    if (!allow_empty && s.empty()) return InvalidArgument(path.str() + ": must not be empty");
    if (s.size() > max_bytes) {
      return InvalidArgument(path.str() + ": longer than " + std::to_string(max_bytes) + " bytes");
    }
    out->assign(s.data(), s.size());
    return Status::Ok();
  }

  Status Timestamp(const Path& path, const element& e, int64_t* out) {
    int64_t ts;
    if (e.get_int64().get(ts) != simdjson::SUCCESS) {
      return Expected(path, "integer (milliseconds since the Unix epoch)", e);
    }
    if (ts < 0) return InvalidArgument(path.str() + ": must not be negative");
    if (ts > now_ms_ + limits_.max_future_ms) {
      return InvalidArgument(path.str() + ": " + std::to_string(ts) +
                             " is too far in the future (more than " +
                             std::to_string(limits_.max_future_ms / 1000) +
                             " s ahead of the collector's clock; timestamps are milliseconds)");
    }
    *out = ts;
    return Status::Ok();
  }

  Status DecodeAgent(const element& e, AgentInfo* out) {
    if (!e.is_object()) return Expected(Path::Top("agent"), "an object", e);
    object obj = e.get_object().value_unsafe();
    HW_RETURN_IF_ERROR(CheckMembers(Path::Top("agent"), obj, {"host", "id", "version"}));
    element v;
    if (obj["host"].get(v) != simdjson::SUCCESS) return InvalidArgument("agent.host: missing");
    HW_RETURN_IF_ERROR(String(Path::Top("agent").Key("host"), v, 253, false, &out->host));
    if (obj["id"].get(v) != simdjson::SUCCESS) return InvalidArgument("agent.id: missing");
    HW_RETURN_IF_ERROR(String(Path::Top("agent").Key("id"), v, 128, false, &out->id));
    if (obj["version"].get(v) == simdjson::SUCCESS && !v.is_null()) {
      HW_RETURN_IF_ERROR(String(Path::Top("agent").Key("version"), v, 64, true, &out->version));
    }
    return Status::Ok();
  }

  // A JSON object of label names to values. Values in `fields` may also be numbers or booleans
  // (kept as their JSON text); label values must be strings.
  Status DecodeLabels(const Path& path, const element& e, bool scalar_values, Labels* out) {
    if (!e.is_object()) return Expected(path, "an object", e);
    object obj = e.get_object().value_unsafe();
    if (obj.size() > limits_.max_labels) {
      return InvalidArgument(path.str() + ": " + std::to_string(obj.size()) +
                             " entries, more than the "
                             "limit of " +
                             std::to_string(limits_.max_labels));
    }
    for (auto field : obj) {
      std::string key(field.key);
      const Path item = path.Key(key);
      if (key.empty() || key.size() > 256) {
        return InvalidArgument(path.str() + ": names must be 1 to 256 bytes long");
      }
      if (!scalar_values && !IsValidLabelName(key)) {
        return InvalidArgument(item.str() +
                               ": invalid label name (must match [a-zA-Z_][a-zA-Z0-9_]*)");
      }
      std::string value;
      if (field.value.is_string() || !scalar_values) {
        HW_RETURN_IF_ERROR(String(item, field.value, limits_.max_label_value_bytes, true, &value));
      } else if (field.value.is_number() || field.value.is_bool()) {
        value = simdjson::minify(field.value);
      } else {
        return Expected(item, "string, number or boolean", field.value);
      }
      (*out)[key] = std::move(value);
    }
    return Status::Ok();
  }

  Status DecodeSeries(const Path& path, const element& e, MetricSeries* out) {
    if (!e.is_object()) return Expected(path, "an object", e);
    object obj = e.get_object().value_unsafe();
    HW_RETURN_IF_ERROR(CheckMembers(path, obj, {"name", "type", "labels", "samples"}));
    element v;
    if (obj["name"].get(v) != simdjson::SUCCESS)
      return InvalidArgument(path.Key("name").str() + ": missing");
    HW_RETURN_IF_ERROR(String(path.Key("name"), v, 256, false, &out->name));
    if (!IsValidMetricName(out->name)) {
      return InvalidArgument(path.Key("name").str() + ": '" + out->name +
                             "' is not a valid metric name (must match [a-zA-Z_:][a-zA-Z0-9_:]*)");
    }
    if (obj["type"].get(v) == simdjson::SUCCESS && !v.is_null()) {
      std::string type;
      HW_RETURN_IF_ERROR(String(path.Key("type"), v, 16, false, &type));
      if (type == "gauge") {
        out->type = MetricType::kGauge;
      } else if (type == "counter") {
        out->type = MetricType::kCounter;
      } else {
        return InvalidArgument(path.Key("type").str() + ": '" + type +
                               "' is not 'counter' or 'gauge'");
      }
    }
    if (obj["labels"].get(v) == simdjson::SUCCESS && !v.is_null()) {
      HW_RETURN_IF_ERROR(DecodeLabels(path.Key("labels"), v, false, &out->labels));
      for (const auto& [k, _] : out->labels) {
        if (k.rfind("__", 0) == 0) {
          return InvalidArgument(path.Key("labels").Key(k).str() +
                                 ": names starting with '__' are reserved");
        }
      }
    }
    if (obj["samples"].get(v) != simdjson::SUCCESS) {
      return InvalidArgument(path.Key("samples").str() + ": missing");
    }
    if (!v.is_array()) return Expected(path.Key("samples"), "an array", v);
    simdjson::dom::array samples = v.get_array().value_unsafe();
    out->samples.reserve(samples.size());
    size_t i = 0;
    for (element s : samples) {
      const Path samples_path = path.Key("samples");
      const Path sp = samples_path.Index(i++);
      simdjson::dom::array pair;
      if (s.get_array().get(pair) != simdjson::SUCCESS || pair.size() != 2) {
        return InvalidArgument(sp.str() + ": expected [timestamp_ms, value]");
      }
      Sample sample;
      HW_RETURN_IF_ERROR(Timestamp(sp.Index(0), pair.at(0).value_unsafe(), &sample.ts_ms));
      element val = pair.at(1).value_unsafe();
      if (val.is_number()) {
        sample.value = val.get_double().value_unsafe();
      } else if (val.is_string()) {
        // JSON has no NaN/Inf; accept Prometheus's spellings.
        std::string_view sv = val.get_string().value_unsafe();
        if (sv == "NaN")
          sample.value = std::numeric_limits<double>::quiet_NaN();
        else if (sv == "+Inf" || sv == "Inf")
          sample.value = std::numeric_limits<double>::infinity();
        else if (sv == "-Inf")
          sample.value = -std::numeric_limits<double>::infinity();
        else
          return InvalidArgument(sp.Index(1).str() +
                                 ": expected a number, \"NaN\", \"+Inf\" or \"-Inf\"");
      } else {
        return Expected(sp.Index(1), "number", val);
      }
      out->samples.push_back(sample);
    }
    return Status::Ok();
  }

  Status DecodeLog(size_t index, const element& e, LogRecord* out) {
    const Path logs_path = Path::Top("logs");
    const Path path = logs_path.Index(index);
    if (!e.is_object()) return Expected(path, "an object", e);
    object obj = e.get_object().value_unsafe();
    HW_RETURN_IF_ERROR(CheckMembers(path, obj, {"ts", "service", "level", "message", "fields"}));
    element v;
    if (obj["ts"].get(v) != simdjson::SUCCESS)
      return InvalidArgument(path.Key("ts").str() + ": missing");
    HW_RETURN_IF_ERROR(Timestamp(path.Key("ts"), v, &out->ts_ms));
    if (obj["message"].get(v) != simdjson::SUCCESS) {
      return InvalidArgument(path.Key("message").str() + ": missing");
    }
    HW_RETURN_IF_ERROR(
        String(path.Key("message"), v, limits_.max_message_bytes, true, &out->message));
    if (obj["service"].get(v) == simdjson::SUCCESS && !v.is_null()) {
      HW_RETURN_IF_ERROR(String(path.Key("service"), v, 256, true, &out->service));
    }
    if (obj["level"].get(v) == simdjson::SUCCESS && !v.is_null()) {
      std::string_view level;
      if (v.get_string().get(level) != simdjson::SUCCESS) {
        return Expected(path.Key("level"), "string", v);
      }
      auto parsed = ParseLevel(level);
      if (!parsed) {
        return InvalidArgument(path.Key("level").str() + ": unknown level '" + std::string(level) +
                               "' (expected trace, debug, info, notice, warning, error or "
                               "critical)");
      }
      out->level = *parsed;
    }
    if (obj["fields"].get(v) == simdjson::SUCCESS && !v.is_null()) {
      HW_RETURN_IF_ERROR(DecodeLabels(path.Key("fields"), v, true, &out->fields));
    }
    return Status::Ok();
  }

  const DecodeLimits& limits_;
  int64_t now_ms_;
};

}  // namespace

Result<Batch> DecodeBatch(std::string_view json, const DecodeLimits& limits, int64_t now_ms) {
  thread_local simdjson::dom::parser parser;
  element root;
  auto err = parser.parse(json.data(), json.size(), /*realloc_if_needed=*/true).get(root);
  if (err != simdjson::SUCCESS) {
    // simdjson does not say where; nlohmann's parser does (only on this error path).
    try {
      auto ignored = nlohmann::json::parse(json);
      (void)ignored;
    } catch (const nlohmann::json::parse_error& e) {
      std::string what = e.what();
      auto pos = what.find("] ");
      return InvalidArgument("invalid JSON: " +
                             (pos == std::string::npos ? what : what.substr(pos + 2)));
    } catch (...) {
    }
    return InvalidArgument(std::string("invalid JSON: ") + simdjson::error_message(err));
  }
  Batch batch;
  Decoder decoder(limits, now_ms);
  HW_RETURN_IF_ERROR(decoder.Decode(root, &batch));
  return batch;
}

std::string EncodeBatch(const Batch& batch) {
  nlohmann::json j;
  j["agent"] = {{"host", batch.agent.host}, {"id", batch.agent.id}};
  if (!batch.agent.version.empty()) j["agent"]["version"] = batch.agent.version;
  j["batch_id"] = batch.batch_id;
  auto& metrics = j["metrics"] = nlohmann::json::array();
  for (const auto& m : batch.metrics) {
    nlohmann::json samples = nlohmann::json::array();
    for (const auto& s : m.samples) {
      if (std::isnan(s.value))
        samples.push_back({s.ts_ms, "NaN"});
      else if (std::isinf(s.value))
        samples.push_back({s.ts_ms, s.value > 0 ? "+Inf" : "-Inf"});
      else
        samples.push_back({s.ts_ms, s.value});
    }
    metrics.push_back({{"name", m.name},
                       {"type", MetricTypeName(m.type)},
                       {"labels", m.labels},
                       {"samples", std::move(samples)}});
  }
  auto& logs = j["logs"] = nlohmann::json::array();
  for (const auto& l : batch.logs) {
    nlohmann::json rec = {{"ts", l.ts_ms},
                          {"service", l.service},
                          {"level", LevelName(l.level)},
                          {"message", l.message}};
    if (!l.fields.empty()) rec["fields"] = l.fields;
    logs.push_back(std::move(rec));
  }
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

const char* MetricTypeName(MetricType type) {
  return type == MetricType::kCounter ? "counter" : "gauge";
}

}  // namespace hivewatch
