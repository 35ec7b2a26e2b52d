#include "common/gzip.h"

#include <libdeflate.h>
#include <zlib.h>

#include <algorithm>

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
      std::string msg =
          zs.msg ? zs.msg : (rc == Z_BUF_ERROR ? "truncated stream" : "inflate error");
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
  // libdeflate: whole-buffer deflate, 2-3x faster than zlib at the same level, standard gzip
  // output. One compressor per thread and level is kept (its tables are allocated once: at
  // level 1 about 0.5 MB, a fresh one per batch would fault those pages in again every time).
  struct Compressor {
    libdeflate_compressor* c = nullptr;
    int level = -1;
    ~Compressor() {
      if (c != nullptr) libdeflate_free_compressor(c);
    }
  };
  thread_local Compressor cached;
  level = std::clamp(level, 0, 12);
  if (cached.level != level) {
    if (cached.c != nullptr) libdeflate_free_compressor(cached.c);
    cached.c = libdeflate_alloc_compressor(level);
    cached.level = cached.c != nullptr ? level : -1;
    if (cached.c == nullptr) throw std::runtime_error("libdeflate_alloc_compressor failed");
  }
  // Text shrinks several times: first try an output buffer of half the input (libdeflate says
  // 0 when it does not fit), and only then the worst case, which is a little over the input.
  // Half the memory, and half the zero-filling, of always allocating the bound.
  std::string out;
  const size_t bound = libdeflate_gzip_compress_bound(cached.c, data.size());
  for (size_t size : {std::min(bound, data.size() / 2 + 1024), bound}) {
    out.resize(size);
    const size_t n =
        libdeflate_gzip_compress(cached.c, data.data(), data.size(), out.data(), out.size());
    if (n > 0) {
      out.resize(n);
      return out;
    }
  }
  throw std::runtime_error("libdeflate_gzip_compress failed");
}

}  // namespace hivewatch
