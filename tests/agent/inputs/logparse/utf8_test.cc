// UTF-8 validation and repair, and splitting long lines on character boundaries.
#include <catch2/catch.hpp>
#include <string>

#include "agent/inputs/logparse/logparse.h"
#include "tests/agent/inputs/logparse/samples.h"

namespace hivewatch::logparse {
namespace {

const std::string kFffd = "\xEF\xBF\xBD";

std::string Rep(int n) {
  std::string s;
  for (int i = 0; i < n; ++i) s += kFffd;
  return s;
}

// An independent reference: decode by bit pattern, then reject overlongs, surrogates and
// values above U+10FFFF. True when all of `s` is well-formed.
bool ReferenceValid(const std::string& s) {
  size_t i = 0;
  while (i < s.size()) {
    const unsigned c = static_cast<unsigned char>(s[i]);
    size_t len;
    uint32_t cp;
    if (c < 0x80) {
      len = 1, cp = c;
    } else if ((c & 0xE0) == 0xC0) {
      len = 2, cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      len = 3, cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      len = 4, cp = c & 0x07;
    } else {
      return false;
    }
    if (i + len > s.size()) return false;
    for (size_t k = 1; k < len; ++k) {
      const unsigned b = static_cast<unsigned char>(s[i + k]);
      if ((b & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (b & 0x3F);
    }
    static const uint32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < kMin[len] || (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF) return false;
    i += len;
  }
  return true;
}

TEST_CASE("valid UTF-8 is returned unchanged", "[logparse][utf8]") {
  const std::string text = "plain ascii, caf\xC3\xA9, \xE2\x82\xAC 5, \xF0\x9F\x98\x80";
  CHECK(IsValidUtf8(text));
  CHECK(RepairUtf8(text) == text);
  const std::string nul("a\0b\0", 4);
  CHECK(IsValidUtf8(nul));
  CHECK(RepairUtf8(nul) == nul);
  CHECK(RepairUtf8("") == "");
  CHECK(IsValidUtf8("\xF4\x8F\xBF\xBF"));  // U+10FFFF, the last code point
  CHECK(IsValidUtf8("\xED\x9F\xBF"));      // U+D7FF, just below the surrogates
  CHECK(IsValidUtf8("\xEE\x80\x80"));      // U+E000, just above
  for (const char* file : {"Linux_2k.log", "OpenSSH_2k.log", "HDFS_2k.log", "Hadoop_2k.log"}) {
    for (const std::string& line : testing::SampleLines(file)) CHECK(IsValidUtf8(line));
  }
}

TEST_CASE("invalid sequences get one U+FFFD per maximal subpart", "[logparse][utf8]") {
  // Expected values are Python's bytes.decode("utf-8", "replace"), which follows the same
  // Unicode recommendation as the WHATWG decoder.
  CHECK(RepairUtf8("\xE0\x80\x80") == Rep(3));          // overlong: E0 needs A0..BF next
  CHECK(RepairUtf8("\xC0\xAF") == Rep(2));              // C0/C1 are never valid
  CHECK(RepairUtf8("\xED\xA0\x80") == Rep(3));          // surrogate U+D800
  CHECK(RepairUtf8("\xF4\x90\x80\x80") == Rep(4));      // above U+10FFFF
  CHECK(RepairUtf8("\xF8\x88\x80\x80\x80") == Rep(5));  // 5-byte forms are gone
  CHECK(RepairUtf8("\xFF") == Rep(1));
  CHECK(RepairUtf8("\x80\x80") == Rep(2));              // lone continuation bytes
  CHECK(RepairUtf8("\xF0\x9F\x98") == Rep(1));          // truncated at the end: one
  CHECK(RepairUtf8("a\xF0\x9F\x98" "b") == "a" + Rep(1) + "b");  // truncated in the middle
  CHECK(RepairUtf8("\xE2\x82") == Rep(1));
  CHECK(RepairUtf8("\xE1\x80\xE2\xF0\x91\x92\xF1\xBF\x41") == Rep(4) + "A");
  // The Unicode Standard's own example (chapter 3, table 3-8).
  CHECK(RepairUtf8("a\xF1\x80\x80\xE1\x80\xC2" "b\x80" "c\x80\xBF" "d") ==
        "a" + Rep(3) + "b" + Rep(1) + "c" + Rep(2) + "d");
  // A valid sequence right after an invalid byte survives.
  CHECK(RepairUtf8("\xC3\xC3\xA9") == Rep(1) + "\xC3\xA9");
  CHECK(!IsValidUtf8("caf\xC3"));
  CHECK(RepairUtf8("0123456789abcdef\xFF" "0123456789abcdef") ==
        "0123456789abcdef" + Rep(1) + "0123456789abcdef");
}

TEST_CASE("every 1-, 2- and 3-byte input is judged as a reference decoder does, and repaired "
          "into valid UTF-8",
          "[logparse][utf8]") {
  std::string s;
  size_t checked = 0, mismatches = 0, unrepaired = 0;
  auto check = [&](const std::string& in) {
    ++checked;
    if (IsValidUtf8(in) != ReferenceValid(in)) ++mismatches;
    const std::string out = RepairUtf8(in);
    if (!ReferenceValid(out)) ++unrepaired;
    if (ReferenceValid(in) && out != in) ++unrepaired;
  };
  for (int a = 0; a < 256; ++a) {
    check(std::string(1, static_cast<char>(a)));
    for (int b = 0; b < 256; ++b) {
      check({static_cast<char>(a), static_cast<char>(b)});
      if (a < 0xC0) continue;  // 3-byte inputs: only leads can start something interesting
      for (int c = 0; c < 256; ++c) {
        check({static_cast<char>(a), static_cast<char>(b), static_cast<char>(c)});
      }
    }
  }
  CHECK(checked > 4000000);
  CHECK(mismatches == 0);
  CHECK(unrepaired == 0);
  // 4-byte sequences: every lead F0..F4 with every second byte, valid continuations after.
  for (int a = 0xF0; a <= 0xF7; ++a) {
    for (int b = 0; b < 256; ++b) {
      const std::string in{static_cast<char>(a), static_cast<char>(b), '\x80', '\xBF'};
      CHECK(IsValidUtf8(in) == ReferenceValid(in));
    }
  }
}

TEST_CASE("SplitLongLine cuts at max_bytes but never inside a UTF-8 sequence",
          "[logparse][utf8]") {
  CHECK(SplitLongLine("", 10) == std::vector<std::string_view>{""});
  CHECK(SplitLongLine("short", 10) == std::vector<std::string_view>{"short"});
  CHECK(SplitLongLine("0123456789", 10) == std::vector<std::string_view>{"0123456789"});
  CHECK(SplitLongLine("0123456789abc", 5) ==
        std::vector<std::string_view>{"01234", "56789", "abc"});

  const std::string euro = "\xE2\x82\xAC";           // 3 bytes
  const std::string smile = "\xF0\x9F\x98\x80";      // 4 bytes
  const std::string text = "ab" + euro + "cd" + smile + smile + "e";
  for (size_t max = 1; max <= text.size() + 1; ++max) {
    INFO("max_bytes " << max);
    auto pieces = SplitLongLine(text, max);
    std::string joined;
    for (size_t i = 0; i < pieces.size(); ++i) {
      CHECK(IsValidUtf8(pieces[i]));
      CHECK(!pieces[i].empty());
      // Longer than max_bytes only when one sequence alone does not fit.
      if (pieces[i].size() > max) CHECK(max < 4);
      joined += pieces[i];
    }
    CHECK(joined == text);
  }
  const std::string euro_line = "ab" + euro + "cd";
  auto pieces = SplitLongLine(euro_line, 3);
  CHECK(pieces == std::vector<std::string_view>{"ab", euro, "cd"});
  const std::string smiles = smile + smile;
  pieces = SplitLongLine(smiles, 6);
  CHECK(pieces == std::vector<std::string_view>{smile, smile});

  // A 1 MiB line in 256 KiB pieces, multibyte characters straddling the boundaries.
  std::string big;
  while (big.size() < (1 << 20)) big += "xy" + euro;
  pieces = SplitLongLine(big, 256 * 1024);
  CHECK(pieces.size() == 5);
  size_t total = 0;
  for (auto p : pieces) {
    CHECK(p.size() <= 256 * 1024);
    CHECK(IsValidUtf8(p));
    total += p.size();
  }
  CHECK(total == big.size());

  // Invalid input (a run of continuation bytes) is still cut, at max_bytes.
  const std::string stray(10, '\x80');
  pieces = SplitLongLine(stray, 4);
  CHECK(pieces.size() == 3);
  CHECK(pieces[0].size() == 4);
}

}  // namespace
}  // namespace hivewatch::logparse
