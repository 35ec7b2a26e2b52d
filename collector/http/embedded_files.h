// Files compiled into the collector binary (cmake/EmbedFiles.cmake): the OpenAPI description and
// the web dashboard. No runtime file paths.
#pragma once

#include <optional>
#include <string_view>

namespace hivewatch {

struct EmbeddedFile {
  std::string_view content;
  std::string_view sha256;  // hex SHA-256 of the content, computed at build time (for ETags)
};

// An embedded file by its path relative to the repository root ("docs/openapi.yaml",
// "dashboard/index.html").
std::optional<EmbeddedFile> FindEmbeddedFile(std::string_view path);

}  // namespace hivewatch
