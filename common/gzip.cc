#include "common/gzip.h"

#include <zlib.h>

#include <stdexcept>

namespace hivewatch {

Result<std::string> Gunzip(std::string_view compressed, size_t max_output_bytes) {
  z_stream zs{};
  // 16 + MAX_WBITS: expect a gzip header (not raw zlib).
  if (inflateInit2(&zs, 16 + MAX_WBITS) != Z_OK) return Internal("inflateInit2 failed");
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(compressed.data()));
  zs.avail_in = static_cast<uInt>(compressed.size());

  std::string out;
  char chunk[64 * 1024];
  int rc = Z_OK;
  while (rc != Z_STREAM_END) {
    zs.next_out = reinterpret_cast<Bytef*>(chunk);
    zs.avail_out = sizeof(chunk);
    rc = inflate(&zs, Z_NO_FLUSH);
    if (rc != Z_OK && rc != Z_STREAM_END) {
      std::string msg = zs.msg ? zs.msg : (rc == Z_BUF_ERROR ? "truncated stream" : "inflate error");
      inflateEnd(&zs);
      return InvalidArgument("invalid gzip body: " + msg);
    }
    size_t produced = sizeof(chunk) - zs.avail_out;
    if (out.size() + produced > max_output_bytes) {
      inflateEnd(&zs);
      return TooLarge("decompressed body exceeds the limit of " + std::to_string(max_output_bytes) +
                      " bytes");
    }
    out.append(chunk, produced);
    if (rc == Z_STREAM_END && zs.avail_in > 0) {
      // Concatenated gzip members (as `cat a.gz b.gz` makes) form one stream: go on.
      if (inflateReset(&zs) != Z_OK) {
        inflateEnd(&zs);
        return Internal("inflateReset failed");
      }
      rc = Z_OK;
      continue;
    }
    if (rc == Z_OK && zs.avail_in == 0 && produced == 0) {
      inflateEnd(&zs);
      return InvalidArgument("invalid gzip body: truncated stream");
    }
  }
  inflateEnd(&zs);
  return out;
}

std::string Gzip(std::string_view data, int level) {
  z_stream zs{};
  if (deflateInit2(&zs, level, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
    throw std::runtime_error("deflateInit2 failed");
  }
  std::string out;
  out.resize(deflateBound(&zs, data.size()) + 32);
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  zs.avail_in = static_cast<uInt>(data.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  int rc = deflate(&zs, Z_FINISH);
  deflateEnd(&zs);
  if (rc != Z_STREAM_END) throw std::runtime_error("deflate failed");
  out.resize(zs.total_out);
  return out;
}

}  // namespace hivewatch
