// Structured lines: JSON objects (simdjson) and logfmt (hand-written) into fields + message.
#include <simdjson.h>

#include "agent/inputs/logparse/internal.h"
#include "agent/inputs/logparse/logparse.h"

namespace hivewatch::logparse {
namespace {

using internal::IsAlpha;
using internal::IsDigit;
using internal::IsSpace;

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (IsSpace(s.front()) || s.front() == '\r' || s.front() == '\n')) {
    s.remove_prefix(1);
  }
  while (!s.empty() && (IsSpace(s.back()) || s.back() == '\r' || s.back() == '\n')) {
    s.remove_suffix(1);
  }
  return s;
}

// Moves the first of `keys` present in `fields` into *message (trailing newlines dropped, as
// Docker's json-file "log" values end with one). False when none is present.
bool TakeMessage(Labels* fields, std::initializer_list<const char*> keys, std::string* message) {
  for (const char* key : keys) {
    auto it = fields->find(key);
    if (it == fields->end()) continue;
    *message = std::move(it->second);
    fields->erase(it);
    while (!message->empty() && (message->back() == '\n' || message->back() == '\r')) {
      message->pop_back();
    }
    return true;
  }
  return false;
}

bool IsKeyChar(char c) {
  return IsAlpha(c) || IsDigit(c) || c == '_' || c == '.' || c == '-' || c == '/' || c == '@' ||
         c == ':';
}

}  // namespace

bool ParseJsonLine(std::string_view line, Labels* fields, std::string* message) {
  fields->clear();
  message->clear();
  const std::string_view body = Trim(line);
  if (body.size() < 2 || body.front() != '{' || body.back() != '}') return false;
  thread_local simdjson::dom::parser parser;
  simdjson::dom::object object;
  if (parser.parse(body.data(), body.size()).get_object().get(object) != simdjson::SUCCESS) {
    return false;
  }
  for (auto member : object) {
    std::string key(member.key);
    const simdjson::dom::element& value = member.value;
    switch (value.type()) {
      case simdjson::dom::element_type::STRING: {
        (*fields)[std::move(key)] = std::string(value.get_string().value_unsafe());
        break;
      }
      case simdjson::dom::element_type::BOOL:
        (*fields)[std::move(key)] = value.get_bool().value_unsafe() ? "true" : "false";
        break;
      case simdjson::dom::element_type::NULL_VALUE:
        break;  // no value to keep
      default:  // numbers, nested objects and arrays: their JSON text
        (*fields)[std::move(key)] = simdjson::minify(value);
        break;
    }
  }
  if (!TakeMessage(fields, {"message", "msg", "log"}, message)) *message = std::string(body);
  return true;
}

bool ParseLogfmt(std::string_view line, Labels* fields, std::string* message) {
  fields->clear();
  message->clear();
  const std::string_view s = Trim(line);
  size_t pos = 0, pairs = 0;
  bool ok = true;
  while (ok && pos < s.size()) {
    while (pos < s.size() && IsSpace(s[pos])) ++pos;
    if (pos == s.size()) break;
    // key: starts with a letter or '_', then key characters, then '='.
    const size_t key_start = pos;
    ok = false;  // until the pair is complete
    if (!IsAlpha(s[pos]) && s[pos] != '_') break;
    while (pos < s.size() && IsKeyChar(s[pos])) ++pos;
    if (pos == s.size() || s[pos] != '=') break;  // a bare word: not logfmt
    const std::string_view key = s.substr(key_start, pos - key_start);
    ++pos;
    std::string value;
    if (pos < s.size() && s[pos] == '"') {
      ++pos;
      bool closed = false;
      while (pos < s.size()) {
        const char c = s[pos++];
        if (c == '"') {
          closed = true;
          break;
        }
        if (c == '\\' && pos < s.size()) {
          const char e = s[pos++];
          switch (e) {
            case 'n': value += '\n'; break;
            case 't': value += '\t'; break;
            case 'r': value += '\r'; break;
            case '"':
            case '\\': value += e; break;
            default:
              value += '\\';
              value += e;
          }
          continue;
        }
        value += c;
      }
      if (!closed || (pos < s.size() && !IsSpace(s[pos]))) break;
    } else {
      const size_t value_start = pos;
      while (pos < s.size() && !IsSpace(s[pos])) {
        if (s[pos] == '"' || s[pos] == '=') break;
        ++pos;
      }
      if (pos < s.size() && !IsSpace(s[pos])) break;  // a quote or '=' inside a bare value
      value.assign(s.data() + value_start, pos - value_start);
    }
    (*fields)[std::string(key)] = std::move(value);
    ++pairs;
    ok = true;
  }
  if (!ok || pairs < 2) {
    fields->clear();
    return false;
  }
  if (!TakeMessage(fields, {"msg", "message"}, message)) *message = std::string(s);
  return true;
}

}  // namespace hivewatch::logparse
