#include "collector/storage/chunk/xor_chunk.h"

#include <algorithm>
#include <cstring>

namespace hivewatch::chunk {
namespace {

constexpr uint8_t kEncodingXor = 1;

uint64_t DoubleBits(double v) {
  uint64_t bits;
  std::memcpy(&bits, &v, sizeof bits);
  return bits;
}

double BitsDouble(uint64_t bits) {
  double v;
  std::memcpy(&v, &bits, sizeof v);
  return v;
}

uint64_t ZigZag(int64_t v) {
  return (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63);
}
int64_t UnZigZag(uint64_t v) { return static_cast<int64_t>(v >> 1) ^ -static_cast<int64_t>(v & 1); }

void PutVarint(std::string* out, uint64_t v) {
  while (v >= 0x80) {
    out->push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out->push_back(static_cast<char>(v));
}

// Reads a varint at *pos of `data`; false when it runs past the end or past 64 bits.
bool GetVarint(std::string_view data, size_t* pos, uint64_t* v) {
  *v = 0;
  for (int shift = 0; shift < 64 && *pos < data.size(); shift += 7) {
    const auto byte = static_cast<uint8_t>(data[(*pos)++]);
    *v |= static_cast<uint64_t>(byte & 0x7f) << shift;
    if ((byte & 0x80) == 0) return true;
  }
  return false;
}

// Sign-extends the low `n` bits of `bits` the way the encoder wrote them (see the header).
int64_t SignExtend(uint64_t bits, int n) {
  const auto v = static_cast<int64_t>(bits);
  return v > (int64_t{1} << (n - 1)) ? v - (int64_t{1} << n) : v;
}

class BitReader {
 public:
  explicit BitReader(std::string_view data)
      : p_(reinterpret_cast<const uint8_t*>(data.data())), size_(data.size()) {}

  // n in 1..64. Past the end sets bad() and returns 0.
  uint64_t Read(int n) {
    if (pos_ + static_cast<size_t>(n) > size_ * 8) {
      bad_ = true;
      return 0;
    }
    const size_t byte = pos_ >> 3;
    const int off = static_cast<int>(pos_ & 7);
    uint64_t v;
    if (byte + 8 <= size_) {
      uint64_t w = 0;
      for (int i = 0; i < 8; ++i) w = (w << 8) | p_[byte + i];
      v = (w << off) >> (64 - n);
      if (n + off > 64) v |= p_[byte + 8] >> (8 - (n + off - 64));
    } else {
      v = 0;
      for (int i = 0; i < n; ++i) {
        const size_t bit = pos_ + i;
        v = (v << 1) | ((p_[bit >> 3] >> (7 - (bit & 7))) & 1);
      }
    }
    pos_ += n;
    return v;
  }
  bool Bit() { return Read(1) != 0; }
  uint64_t Varint() {
    uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      const uint64_t byte = Read(8);
      v |= (byte & 0x7f) << shift;
      if ((byte & 0x80) == 0 || bad_) return v;
    }
    bad_ = true;
    return v;
  }
  bool bad() const { return bad_; }
  size_t pos() const { return pos_; }

 private:
  const uint8_t* p_;
  size_t size_;
  size_t pos_ = 0;
  bool bad_ = false;
};

// The decoder's running state, which is also what an appender needs to continue.
struct DecodeState {
  int64_t ts = 0;
  int64_t delta = 0;
  uint64_t value = 0;
  int leading = 0xff;
  int trailing = 0;
};

// Decodes sample number `i` (0-based) into `st`.
void DecodeNext(BitReader& r, int i, DecodeState& st) {
  if (i == 0) {
    st.ts = UnZigZag(r.Varint());
    st.value = r.Read(64);
    return;
  }
  if (i == 1) {
    st.delta = static_cast<int64_t>(r.Varint());
    st.ts += st.delta;
  } else {
    int64_t dod = 0;
    if (r.Bit()) {
      if (!r.Bit()) {
        dod = SignExtend(r.Read(14), 14);
      } else if (!r.Bit()) {
        dod = SignExtend(r.Read(17), 17);
      } else if (!r.Bit()) {
        dod = SignExtend(r.Read(20), 20);
      } else {
        dod = static_cast<int64_t>(r.Read(64));
      }
    }
    st.delta += dod;
    st.ts += st.delta;
  }
  if (!r.Bit()) return;  // same value
  if (r.Bit()) {
    st.leading = static_cast<int>(r.Read(5));
    int sig = static_cast<int>(r.Read(6));
    if (sig == 0) sig = 64;
    st.trailing = 64 - st.leading - sig;
    if (st.trailing < 0) {
      st.trailing = 0;
      r.Read(64);  // cannot be a valid stream; make sure the caller sees bad()
      r.Read(64);
    }
  } else if (st.leading == 0xff) {
    r.Read(64);  // a reused window before any was set: corrupt
    r.Read(64);
    return;
  }
  const int sig = 64 - st.leading - st.trailing;
  st.value ^= r.Read(sig) << st.trailing;
}

struct Header {
  int count = 0;
  size_t body = 0;  // offset of the bit stream
};

bool ParseHeader(std::string_view chunk, Header* h) {
  if (chunk.empty() || static_cast<uint8_t>(chunk[0]) != kEncodingXor) return false;
  size_t pos = 1;
  uint64_t count;
  if (!GetVarint(chunk, &pos, &count) || count > (1u << 30)) return false;
  h->count = static_cast<int>(count);
  h->body = pos;
  return true;
}

Status Corrupt() { return Internal("a stored sample chunk is corrupt"); }

}  // namespace

Result<XorAppender> XorAppender::Resume(std::string_view chunk) {
  Header h;
  if (!ParseHeader(chunk, &h)) return Corrupt();
  XorAppender a;
  if (h.count == 0) return a;
  const std::string_view body = chunk.substr(h.body);
  BitReader r(body);
  DecodeState st;
  for (int i = 0; i < h.count; ++i) {
    DecodeNext(r, i, st);
    if (i == 0) a.min_ts_ = st.ts;
  }
  if (r.bad()) return Corrupt();
  a.bit_count_ = r.pos();
  a.bits_.assign(body.substr(0, (a.bit_count_ + 7) / 8));
  if (a.bit_count_ % 8 != 0) {
    // Clear any padding bits so that later writes can OR into the last byte.
    a.bits_.back() =
        static_cast<char>(static_cast<uint8_t>(a.bits_.back()) & (0xff << (8 - a.bit_count_ % 8)));
  }
  a.count_ = h.count;
  a.last_ts_ = st.ts;
  a.last_delta_ = st.delta;
  a.last_value_ = st.value;
  a.leading_ = st.leading;
  a.trailing_ = st.trailing;
  return a;
}

void XorAppender::WriteBits(uint64_t bits, int n) {
  while (n > 0) {
    const int used = static_cast<int>(bit_count_ % 8);
    if (used == 0) bits_.push_back('\0');
    const int free = 8 - used;
    const int take = std::min(free, n);
    const auto part = static_cast<uint8_t>((bits >> (n - take)) & ((1u << take) - 1));
    bits_.back() = static_cast<char>(static_cast<uint8_t>(bits_.back()) | (part << (free - take)));
    n -= take;
    bit_count_ += static_cast<size_t>(take);
  }
}

void XorAppender::WriteValue(double value) {
  const uint64_t v = DoubleBits(value);
  const uint64_t x = v ^ last_value_;
  last_value_ = v;
  if (x == 0) {
    WriteBits(0, 1);
    return;
  }
  int lead = __builtin_clzll(x);
  const int trail = __builtin_ctzll(x);
  if (lead > 31) lead = 31;  // 5 bits
  if (leading_ != 0xff && lead >= leading_ && trail >= trailing_) {
    WriteBits(0b10, 2);
    WriteBits(x >> trailing_, 64 - leading_ - trailing_);
    return;
  }
  leading_ = lead;
  trailing_ = trail;
  const int sig = 64 - lead - trail;
  WriteBits(0b11, 2);
  WriteBits(static_cast<uint64_t>(lead), 5);
  WriteBits(static_cast<uint64_t>(sig & 63), 6);
  WriteBits(x >> trail, sig);
}

void XorAppender::Append(int64_t ts_ms, double value) {
  auto write_varint = [&](uint64_t v) {
    while (v >= 0x80) {
      WriteBits((v & 0x7f) | 0x80, 8);
      v >>= 7;
    }
    WriteBits(v, 8);
  };
  if (count_ == 0) {
    min_ts_ = ts_ms;
    write_varint(ZigZag(ts_ms));
    last_value_ = DoubleBits(value);
    WriteBits(last_value_, 64);
  } else if (count_ == 1) {
    last_delta_ = ts_ms - last_ts_;
    write_varint(static_cast<uint64_t>(last_delta_));
    WriteValue(value);
  } else {
    const int64_t delta = ts_ms - last_ts_;
    const int64_t dod = delta - last_delta_;
    last_delta_ = delta;
    if (dod == 0) {
      WriteBits(0, 1);
    } else if (dod >= -8191 && dod <= 8192) {
      WriteBits(0b10, 2);
      WriteBits(static_cast<uint64_t>(dod), 14);
    } else if (dod >= -65535 && dod <= 65536) {
      WriteBits(0b110, 3);
      WriteBits(static_cast<uint64_t>(dod), 17);
    } else if (dod >= -524287 && dod <= 524288) {
      WriteBits(0b1110, 4);
      WriteBits(static_cast<uint64_t>(dod), 20);
    } else {
      WriteBits(0b1111, 4);
      WriteBits(static_cast<uint64_t>(dod), 64);
    }
    WriteValue(value);
  }
  last_ts_ = ts_ms;
  ++count_;
}

std::string XorAppender::Bytes() const {
  std::string out;
  out.reserve(bits_.size() + 6);
  out.push_back(static_cast<char>(kEncodingXor));
  PutVarint(&out, static_cast<uint64_t>(count_));
  out += bits_;
  return out;
}

std::string Encode(const std::vector<Sample>& samples) {
  XorAppender a;
  for (const Sample& s : samples) a.Append(s.ts_ms, s.value);
  return a.Bytes();
}

Status Decode(std::string_view chunk, int64_t start_ms, int64_t end_ms, std::vector<Sample>* out) {
  Header h;
  if (!ParseHeader(chunk, &h)) return Corrupt();
  BitReader r(chunk.substr(h.body));
  DecodeState st;
  for (int i = 0; i < h.count; ++i) {
    DecodeNext(r, i, st);
    if (r.bad()) return Corrupt();
    if (st.ts > end_ms) break;
    if (st.ts >= start_ms) out->push_back(Sample{st.ts, BitsDouble(st.value)});
  }
  return Status::Ok();
}

Status DecodeAll(std::string_view chunk, std::vector<Sample>* out) {
  return Decode(chunk, INT64_MIN, INT64_MAX, out);
}

int ChunkCount(std::string_view chunk) {
  Header h;
  return ParseHeader(chunk, &h) ? h.count : 0;
}

size_t MergeSamples(std::vector<Sample>* existing, const std::vector<Sample>& incoming) {
  std::vector<Sample> merged;
  merged.reserve(existing->size() + incoming.size());
  size_t added = 0;
  auto a = existing->begin();
  auto b = incoming.begin();
  while (a != existing->end() || b != incoming.end()) {
    if (b == incoming.end() || (a != existing->end() && a->ts_ms < b->ts_ms)) {
      merged.push_back(*a++);
    } else if (a == existing->end() || b->ts_ms < a->ts_ms) {
      merged.push_back(*b++);
      ++added;
    } else {  // same timestamp: the incoming sample replaces the stored one
      merged.push_back(*b++);
      ++a;
    }
  }
  existing->swap(merged);
  return added;
}

void SortAndDedupe(std::vector<Sample>* samples) {
  std::stable_sort(samples->begin(), samples->end(),
                   [](const Sample& a, const Sample& b) { return a.ts_ms < b.ts_ms; });
  size_t out = 0;
  for (size_t i = 0; i < samples->size(); ++i) {
    if (out > 0 && (*samples)[out - 1].ts_ms == (*samples)[i].ts_ms) {
      (*samples)[out - 1] = (*samples)[i];
    } else {
      (*samples)[out++] = (*samples)[i];
    }
  }
  samples->resize(out);
}

}  // namespace hivewatch::chunk
