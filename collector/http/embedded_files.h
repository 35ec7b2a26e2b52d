// Files compiled into the collector binary (cmake/EmbedFiles.cmake): the OpenAPI description
// and, later, the dashboard. No runtime file paths.
#pragma once

#include <optional>
#include <string_view>

namespace hivewatch {

// The content of an embedded file by its path relative to its base folder ("openapi.yaml").
std::optional<std::string_view> FindEmbeddedFile(std::string_view path);

}  // namespace hivewatch
