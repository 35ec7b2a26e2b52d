#include "common/toml_reader.h"

#include <filesystem>

#include "common/time_util.h"

namespace hivewatch {

Result<toml::table> ParseTomlFile(const std::string& path) {
  if (!std::filesystem::exists(path)) return InvalidArgument(path + ": no such file");
  try {
    return toml::parse_file(path);
  } catch (const toml::parse_error& e) {
    const auto& src = e.source();
    return InvalidArgument(path + ":" + std::to_string(src.begin.line) + ":" +
                           std::to_string(src.begin.column) + ": " +
                           std::string(e.description()));
  }
}

Status TomlTableReader::Duration(const std::string& key, int64_t* out_ms) {
  std::string text;
  HW_RETURN_IF_ERROR(Get(key, &text));
  if (text.empty()) return Status::Ok();
  Result<int64_t> ms = ParseDurationMs(text);
  if (!ms.ok()) return Error(key, ms.status().message());
  *out_ms = *ms;
  return Status::Ok();
}

Status TomlTableReader::StringList(const std::string& key, std::vector<std::string>* out) {
  used_.insert(key);
  const toml::node* node = table_.get(key);
  if (node == nullptr) return Status::Ok();
  const toml::array* arr = node->as_array();
  if (arr == nullptr) return Error(key, "expected an array of strings");
  std::vector<std::string> values;
  for (const toml::node& item : *arr) {
    std::optional<std::string> s = item.value<std::string>();
    if (!s || !item.is_string()) return Error(key, "expected an array of strings");
    values.push_back(*s);
  }
  *out = std::move(values);
  return Status::Ok();
}

Result<const toml::table*> TomlTableReader::Sub(const std::string& key) {
  used_.insert(key);
  const toml::node* node = table_.get(key);
  if (node == nullptr) return static_cast<const toml::table*>(nullptr);
  if (!node->is_table()) return Error(key, "expected a table ([" + Name(key) + "])");
  return node->as_table();
}

Result<std::vector<const toml::table*>> TomlTableReader::SubArray(const std::string& key) {
  used_.insert(key);
  std::vector<const toml::table*> out;
  const toml::node* node = table_.get(key);
  if (node == nullptr) return out;
  const toml::array* arr = node->as_array();
  if (arr == nullptr) return Error(key, "expected an array of tables ([[" + Name(key) + "]])");
  for (const toml::node& item : *arr) {
    if (!item.is_table()) return Error(key, "expected an array of tables ([[" + Name(key) + "]])");
    out.push_back(item.as_table());
  }
  return out;
}

Status TomlTableReader::CheckUnknown() const {
  for (const auto& [k, _] : table_) {
    const std::string key(k.str());
    if (!used_.count(key)) return Error(key, "unknown setting");
  }
  return Status::Ok();
}

Status TomlTableReader::Error(const std::string& key, const std::string& message) const {
  const toml::node* node = table_.get(key);
  const auto line = node != nullptr ? node->source().begin.line : table_.source().begin.line;
  std::string where = file_;
  if (line > 0) where += ":" + std::to_string(line);
  return InvalidArgument(where + ": " + Name(key) + ": " + message);
}

}  // namespace hivewatch
