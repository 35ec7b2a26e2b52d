#include "collector/storage/chunk/sample_chunk.h"

#include <algorithm>
#include <cmath>
#include <cstring>

namespace hivewatch::chunk {
namespace {

constexpr uint8_t kXor = 1;
constexpr uint8_t kDecimal = 2;
constexpr double kPow10[kMaxDecimalDigits + 1] = {1, 10, 100, 1e3, 1e4, 1e5, 1e6};
constexpr double kMaxExactInteger = 9007199254740992.0;  // 2^53

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

// The m with value == m / 10^exp bit for bit (|m| <= 2^53), if there is one. Division of exact
// operands is correctly rounded, so the decoder's m / 10^exp gives back exactly this value.
bool MantissaAt(double value, int exp, int64_t* m) {
  const double scaled = value * kPow10[exp];
  if (!(std::fabs(scaled) <= kMaxExactInteger)) return false;  // NaN and ±Inf too
  const auto r = static_cast<int64_t>(std::llround(scaled));
  if (DoubleBits(static_cast<double>(r) / kPow10[exp]) != DoubleBits(value)) return false;
  *m = r;
  return true;
}

// The smallest exponent >= min_exp at which `value` is decimal, or -1.
int DecimalExp(double value, int min_exp, int64_t* m) {
  for (int e = min_exp; e <= kMaxDecimalDigits; ++e) {
    if (MantissaAt(value, e, m)) return e;
  }
  return -1;
}

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

#define HW_INLINE inline __attribute__((always_inline))

// Reads the bit stream through a 64-bit buffer (bits left-aligned; the bits below the
// `avail_` valid ones are zero). The decoders' hot path: the small buckets are read straight
// from the buffer.
class BitReader {
 public:
  explicit BitReader(std::string_view data)
      : p_(reinterpret_cast<const uint8_t*>(data.data())), size_(data.size()) {}

  // n in 1..64. Past the end sets bad() and returns 0.
  HW_INLINE uint64_t Read(int n) {
    if (n > 56) return ReadLong(n);
    if (avail_ < n) {
      Refill();
      if (avail_ < n) {
        bad_ = true;
        avail_ = 0;
        return 0;
      }
    }
    const uint64_t v = buf_ >> (64 - n);
    Consume(n);
    return v;
  }
  HW_INLINE bool Bit() {
    if (avail_ < 1) {
      Refill();
      if (avail_ < 1) {
        bad_ = true;
        return false;
      }
    }
    const bool bit = (buf_ >> 63) != 0;
    Consume(1);
    return bit;
  }
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
  // A delta-of-delta bucket (see the header).
  HW_INLINE int64_t Dod() {
    if (avail_ < 24) Refill();
    if (avail_ >= 24) {  // prefix and payload of every bucket but the 64-bit one are here
      switch (std::min(4, __builtin_clzll(~buf_ | 1))) {
        case 0:
          Consume(1);
          return 0;
        case 1: {
          const uint64_t v = (buf_ << 2) >> 60;
          Consume(6);
          return SignExtend(v, 4);
        }
        case 2: {
          const uint64_t v = (buf_ << 3) >> 54;
          Consume(13);
          return SignExtend(v, 10);
        }
        case 3: {
          const uint64_t v = (buf_ << 4) >> 44;
          Consume(24);
          return SignExtend(v, 20);
        }
        default:
          Consume(4);
          return static_cast<int64_t>(Read(64));
      }
    }
    int ones = 0;  // the last bits of the stream
    while (ones < 4 && Bit()) ++ones;
    switch (ones) {
      case 0:
        return 0;
      case 1:
        return SignExtend(Read(4), 4);
      case 2:
        return SignExtend(Read(10), 10);
      case 3:
        return SignExtend(Read(20), 20);
      default:
        return static_cast<int64_t>(Read(64));
    }
  }
  bool bad() const { return bad_; }
  size_t pos() const { return pos_; }  // bits consumed

  // n in 57..64, in two reads.
  uint64_t ReadLong(int n) {
    const uint64_t high = Read(n - 32);
    return (high << 32) | Read(32);
  }

 private:
  HW_INLINE void Consume(int n) {  // n < 64, n <= avail_
    buf_ <<= n;
    avail_ -= n;
    pos_ += static_cast<size_t>(n);
  }
  void Refill() {
    const int take = (64 - avail_) >> 3;  // whole bytes that fit
    if (take > 0 && next_ + 8 <= size_) {
      uint64_t w = 0;
      for (int i = 0; i < 8; ++i) w = (w << 8) | p_[next_ + i];
      if (take < 8) w = (w >> (64 - 8 * take)) << (64 - 8 * take);
      buf_ |= w >> avail_;  // avail_ < 64 here
      avail_ += 8 * take;
      next_ += static_cast<size_t>(take);
      return;
    }
    while (avail_ <= 56 && next_ < size_) {
      buf_ |= static_cast<uint64_t>(p_[next_++]) << (56 - avail_);
      avail_ += 8;
    }
  }

  const uint8_t* p_;
  size_t size_;
  size_t next_ = 0;  // next byte to load
  uint64_t buf_ = 0;
  int avail_ = 0;
  size_t pos_ = 0;
  bool bad_ = false;
};

struct Header {
  uint8_t encoding = kXor;
  int exp = 0;
  int count = 0;
  size_t body = 0;  // offset of the bit stream
};

bool ParseHeader(std::string_view chunk, Header* h) {
  if (chunk.empty()) return false;
  h->encoding = static_cast<uint8_t>(chunk[0]);
  if (h->encoding != kXor && h->encoding != kDecimal) return false;
  size_t pos = 1;
  uint64_t count;
  if (!GetVarint(chunk, &pos, &count) || count > (1u << 30)) return false;
  h->count = static_cast<int>(count);
  if (h->encoding == kDecimal) {
    uint64_t exp;
    if (!GetVarint(chunk, &pos, &exp) || exp > kMaxDecimalDigits) return false;
    h->exp = static_cast<int>(exp);
  }
  h->body = pos;
  return true;
}

// The decoder's running state, which is also what an appender needs to continue.
struct DecodeState {
  int64_t ts = 0;
  int64_t delta = 0;
  uint64_t value = 0;  // XOR: bits of the value
  int leading = 0xff;
  int trailing = 0;
  int64_t m = 0;  // decimal
  int64_t m_delta = 0;
};

// Decodes sample number `i` (0-based) into `st`; the caller checks r.bad().
template <uint8_t kEncoding>
HW_INLINE void DecodeNext(BitReader& r, int i, DecodeState& st) {
  if (i == 0) {
    st.ts = UnZigZag(r.Varint());
  } else if (i == 1) {
    st.delta = static_cast<int64_t>(r.Varint());
    st.ts += st.delta;
  } else {
    st.delta += r.Dod();
    st.ts += st.delta;
  }
  if constexpr (kEncoding == kDecimal) {
    if (i == 0) {
      st.m = UnZigZag(r.Varint());
    } else if (i == 1) {
      st.m_delta = UnZigZag(r.Varint());
      st.m += st.m_delta;
    } else if (r.Bit()) {  // '0': unchanged; '1': a change, relative to the last one
      st.m_delta += r.Dod();
      st.m += st.m_delta;
    }
    return;
  }
  if (i == 0) {
    st.value = r.Read(64);
    return;
  }
  if (!r.Bit()) return;  // same value
  if (r.Bit()) {
    st.leading = static_cast<int>(r.Read(5));
    int sig = static_cast<int>(r.Read(6));
    if (sig == 0) sig = 64;
    st.trailing = 64 - st.leading - sig;
    if (st.trailing < 0) {  // cannot come from the encoder
      r.Read(64);
      r.Read(64);
      r.Read(64);
      return;
    }
  } else if (st.leading == 0xff) {  // a reused window before any was set: corrupt
    r.Read(64);
    r.Read(64);
    r.Read(64);
    return;
  }
  st.value ^= r.Read(64 - st.leading - st.trailing) << st.trailing;
}

double ValueOf(const DecodeState& st, uint8_t encoding, int exp) {
  return encoding == kDecimal ? static_cast<double>(st.m) / kPow10[exp] : BitsDouble(st.value);
}

template <uint8_t kEncoding>
Status DecodeBody(const Header& h, std::string_view body, int64_t start_ms, int64_t end_ms,
                  std::vector<Sample>* out) {
  BitReader r(body);
  DecodeState st;
  if (out->capacity() < out->size() + static_cast<size_t>(h.count)) {
    out->reserve(std::max(out->capacity() * 2, out->size() + static_cast<size_t>(h.count)));
  }
  for (int i = 0; i < h.count; ++i) {
    DecodeNext<kEncoding>(r, i, st);
    if (r.bad() || st.ts > end_ms) break;
    if (st.ts >= start_ms) out->push_back(Sample{st.ts, ValueOf(st, kEncoding, h.exp)});
  }
  if (r.bad()) return Internal("a stored sample chunk is corrupt");
  return Status::Ok();
}

Status Corrupt() { return Internal("a stored sample chunk is corrupt"); }

}  // namespace

Result<ChunkAppender> ChunkAppender::Resume(std::string_view chunk) {
  Header h;
  if (!ParseHeader(chunk, &h)) return Corrupt();
  ChunkAppender a;
  if (h.count == 0) return a;
  const std::string_view body = chunk.substr(h.body);
  BitReader r(body);
  DecodeState st;
  for (int i = 0; i < h.count; ++i) {
    if (h.encoding == kDecimal) {
      DecodeNext<kDecimal>(r, i, st);
    } else {
      DecodeNext<kXor>(r, i, st);
    }
    if (r.bad()) return Corrupt();
    if (i == 0) a.min_ts_ = st.ts;
  }
  if (r.bad()) return Corrupt();
  a.encoding_ = static_cast<Encoding>(h.encoding);
  a.exp_ = h.exp;
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
  a.last_m_ = st.m;
  a.last_m_delta_ = st.m_delta;
  return a;
}

void ChunkAppender::WriteBits(uint64_t bits, int n) {
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

void ChunkAppender::WriteVarint(uint64_t v) {
  while (v >= 0x80) {
    WriteBits((v & 0x7f) | 0x80, 8);
    v >>= 7;
  }
  WriteBits(v, 8);
}

void ChunkAppender::WriteDod(int64_t dod) {
  const auto bits = static_cast<uint64_t>(dod);
  if (dod == 0) {
    WriteBits(0, 1);
  } else if (dod >= -7 && dod <= 8) {
    WriteBits(0b10, 2);
    WriteBits(bits, 4);
  } else if (dod >= -511 && dod <= 512) {
    WriteBits(0b110, 3);
    WriteBits(bits, 10);
  } else if (dod >= -524287 && dod <= 524288) {
    WriteBits(0b1110, 4);
    WriteBits(bits, 20);
  } else {
    WriteBits(0b1111, 4);
    WriteBits(bits, 64);
  }
}

void ChunkAppender::WriteSample(int64_t ts_ms, double value, int64_t mantissa) {
  if (count_ == 0) {
    min_ts_ = ts_ms;
    WriteVarint(ZigZag(ts_ms));
  } else if (count_ == 1) {
    last_delta_ = ts_ms - last_ts_;
    WriteVarint(static_cast<uint64_t>(last_delta_));
  } else {
    const int64_t delta = ts_ms - last_ts_;
    WriteDod(delta - last_delta_);
    last_delta_ = delta;
  }
  last_ts_ = ts_ms;

  if (encoding_ == Encoding::kDecimal) {
    if (count_ == 0) {
      WriteVarint(ZigZag(mantissa));
    } else if (count_ == 1) {
      last_m_delta_ = mantissa - last_m_;
      WriteVarint(ZigZag(last_m_delta_));
    } else if (mantissa == last_m_) {
      WriteBits(0, 1);
    } else {
      const int64_t delta = mantissa - last_m_;
      WriteBits(1, 1);
      WriteDod(delta - last_m_delta_);
      last_m_delta_ = delta;
    }
    last_m_ = mantissa;
    ++count_;
    return;
  }

  const uint64_t v = DoubleBits(value);
  ++count_;
  if (count_ == 1) {
    last_value_ = v;
    WriteBits(v, 64);
    return;
  }
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

void ChunkAppender::Reencode(Encoding encoding, int exp) {
  std::vector<Sample> samples;
  (void)DecodeAll(Bytes(), &samples);  // our own bytes: cannot be corrupt
  std::vector<int64_t> mantissas(samples.size(), 0);
  if (encoding == Encoding::kDecimal) {
    for (size_t i = 0; i < samples.size(); ++i) {
      if (!MantissaAt(samples[i].value, exp, &mantissas[i])) {
        encoding = Encoding::kXor;
        break;
      }
    }
  }
  *this = ChunkAppender();
  encoding_ = encoding;
  exp_ = encoding == Encoding::kDecimal ? exp : 0;
  for (size_t i = 0; i < samples.size(); ++i) {
    WriteSample(samples[i].ts_ms, samples[i].value, mantissas[i]);
  }
}

void ChunkAppender::Append(int64_t ts_ms, double value) {
  int64_t m = 0;
  if (count_ == 0) {
    const int e = DecimalExp(value, 0, &m);
    encoding_ = e >= 0 ? Encoding::kDecimal : Encoding::kXor;
    exp_ = std::max(e, 0);
  } else if (encoding_ == Encoding::kDecimal) {
    const int e = DecimalExp(value, exp_, &m);
    if (e < 0) {
      Reencode(Encoding::kXor, 0);
    } else if (e > exp_) {
      Reencode(Encoding::kDecimal, e);
    }
  }
  WriteSample(ts_ms, value, m);
}

std::string ChunkAppender::Bytes() const {
  std::string out;
  out.reserve(bits_.size() + 8);
  out.push_back(static_cast<char>(encoding_));
  PutVarint(&out, static_cast<uint64_t>(count_));
  if (encoding_ == Encoding::kDecimal) PutVarint(&out, static_cast<uint64_t>(exp_));
  out += bits_;
  return out;
}

std::string Encode(const std::vector<Sample>& samples) {
  ChunkAppender a;
  for (const Sample& s : samples) a.Append(s.ts_ms, s.value);
  return a.Bytes();
}

Status Decode(std::string_view chunk, int64_t start_ms, int64_t end_ms, std::vector<Sample>* out) {
  Header h;
  if (!ParseHeader(chunk, &h)) return Corrupt();
  const std::string_view body = chunk.substr(h.body);
  return h.encoding == kDecimal ? DecodeBody<kDecimal>(h, body, start_ms, end_ms, out)
                                : DecodeBody<kXor>(h, body, start_ms, end_ms, out);
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
