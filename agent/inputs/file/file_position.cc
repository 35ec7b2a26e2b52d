#include "agent/inputs/file/file_position.h"

#include <cinttypes>
#include <cstdio>
#include <cstdlib>

#include <nlohmann/json.hpp>

namespace hivewatch {

Fingerprint ComputeFingerprint(std::string_view first_bytes) {
  Fingerprint fp;
  fp.len = first_bytes.size();
  for (unsigned char c : first_bytes) {
    fp.hash ^= c;
    fp.hash *= 0x100000001b3ULL;
  }
  return fp;
}

std::string CheckpointKey(const FileId& id) {
  return "file:" + std::to_string(id.dev) + ":" + std::to_string(id.ino);
}

bool ParseCheckpointKey(const std::string& key, FileId* id) {
  unsigned long long dev = 0, ino = 0;
  int consumed = 0;
  if (std::sscanf(key.c_str(), "file:%llu:%llu%n", &dev, &ino, &consumed) != 2) return false;
  if (static_cast<size_t>(consumed) != key.size() || key.find('-') != std::string::npos) {
    return false;
  }
  id->dev = dev;
  id->ino = ino;
  return true;
}

std::string EncodePosition(const FilePosition& position) {
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016" PRIx64, position.fp.hash);
  nlohmann::json j = {{"path", position.path},
                      {"name", position.name},
                      {"offset", position.offset},
                      {"fp_len", position.fp.len},
                      {"fp", hex}};
  return j.dump();
}

Result<FilePosition> DecodePosition(const std::string& value) {
  nlohmann::json j = nlohmann::json::parse(value, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object()) return InvalidArgument("file position: not a JSON object: " + value);
  FilePosition p;
  auto string_member = [&](const char* key, std::string* out) {
    auto it = j.find(key);
    if (it == j.end() || !it->is_string()) return false;
    *out = it->get<std::string>();
    return true;
  };
  auto uint_member = [&](const char* key, uint64_t* out) {
    auto it = j.find(key);
    if (it == j.end() || !it->is_number_unsigned()) return false;
    *out = it->get<uint64_t>();
    return true;
  };
  std::string hex;
  if (!string_member("path", &p.path) || p.path.empty()) {
    return InvalidArgument("file position: missing path: " + value);
  }
  if (!string_member("name", &p.name) || p.name.empty()) p.name = p.path;
  if (!uint_member("offset", &p.offset)) {
    return InvalidArgument("file position: missing offset: " + value);
  }
  if (!uint_member("fp_len", &p.fp.len) || !string_member("fp", &hex) || hex.size() != 16 ||
      hex.find_first_not_of("0123456789abcdef") != std::string::npos) {
    return InvalidArgument("file position: missing or bad fingerprint: " + value);
  }
  p.fp.hash = std::strtoull(hex.c_str(), nullptr, 16);
  return p;
}

}  // namespace hivewatch
