// RFC 6587 framing of syslog TCP streams: octet counting, newline framing, both mixed on one
// connection, arbitrary read boundaries, oversized frames and streams cut short.
#include "agent/inputs/syslog/syslog_framing.h"

#include <string>
#include <vector>

#include <catch2/catch.hpp>

namespace hivewatch {
namespace {

std::string Octet(const std::string& msg) { return std::to_string(msg.size()) + " " + msg; }

std::vector<std::string> Texts(const std::vector<SyslogFrame>& frames) {
  std::vector<std::string> out;
  for (const auto& f : frames) out.push_back(f.text);
  return out;
}

// Feeds `stream` in pieces of `chunk` bytes, then finishes.
std::vector<SyslogFrame> Frame(const std::string& stream, size_t chunk, size_t max = 1024) {
  SyslogFramer framer(max);
  std::vector<SyslogFrame> frames;
  for (size_t i = 0; i < stream.size(); i += chunk) {
    framer.Feed(std::string_view(stream).substr(i, chunk), &frames);
  }
  framer.Finish(&frames);
  return frames;
}

TEST_CASE("newline framing: LF ends a message, CR before it and blank lines are dropped",
          "[syslog][framing]") {
  auto frames = Frame("<13>Nov 23 12:00:00 h a: one\n<13>two\r\n\n\r\n<13>three\n", 4096);
  CHECK(Texts(frames) ==
        std::vector<std::string>{"<13>Nov 23 12:00:00 h a: one", "<13>two", "<13>three"});
  for (const auto& f : frames) CHECK_FALSE(f.truncated);
}

TEST_CASE("octet counting: the length decides, LF inside a message is content",
          "[syslog][framing]") {
  const std::string a = "<13>1 - h app - - - line one\nline two";
  const std::string b = "<13>1 - h app - - - 99 bottles";
  auto frames = Frame(Octet(a) + Octet(b), 4096);
  CHECK(Texts(frames) == std::vector<std::string>{a, b});
}

TEST_CASE("one connection may mix both framings, and every read boundary gives the same frames",
          "[syslog][framing]") {
  const std::string a = "<14>1 2025-11-23T12:00:00Z h app 1 - - first\n(continued)";
  const std::string stream = Octet(a) + "\n<14>Nov 23 12:00:01 h app: second\n" + Octet("<14>x") +
                             "<14>fourth without LF at the end";
  const std::vector<std::string> expected = {a, "<14>Nov 23 12:00:01 h app: second", "<14>x",
                                             "<14>fourth without LF at the end"};
  for (size_t chunk = 1; chunk <= stream.size(); ++chunk) {
    INFO("chunk " << chunk);
    CHECK(Texts(Frame(stream, chunk)) == expected);
  }
}

TEST_CASE("a line starting with digits that are not a length is read up to LF",
          "[syslog][framing]") {
  CHECK(Texts(Frame("2025-11-23 12:00:00 plain line\n12345678901 x\n", 3)) ==
        std::vector<std::string>{"2025-11-23 12:00:00 plain line", "12345678901 x"});
  // "0 " is an empty octet-counted frame: skipped.
  CHECK(Texts(Frame("0 " + Octet("<13>a"), 1)) == std::vector<std::string>{"<13>a"});
}

TEST_CASE("frames over the size limit are cut, flagged, and the stream stays in step",
          "[syslog][framing]") {
  const std::string big(50, 'x');
  for (size_t chunk : {1, 7, 4096}) {
    INFO("chunk " << chunk);
    auto frames =
        Frame("<13>" + big + "\n<13>ok\n" + Octet("<13>" + big) + Octet("<13>ok2"), chunk, 20);
    REQUIRE(frames.size() == 4);
    CHECK(frames[0].text == "<13>" + big.substr(0, 16));
    CHECK(frames[0].truncated);
    CHECK(frames[1].text == "<13>ok");
    CHECK_FALSE(frames[1].truncated);
    CHECK(frames[2].text == "<13>" + big.substr(0, 16));
    CHECK(frames[2].truncated);
    CHECK(frames[3].text == "<13>ok2");
    CHECK_FALSE(frames[3].truncated);
  }
}

TEST_CASE("a stream cut short: the rest is the last frame, a short octet frame is flagged",
          "[syslog][framing]") {
  auto line = Frame("<13>complete\n<13>partial", 5);
  CHECK(Texts(line) == std::vector<std::string>{"<13>complete", "<13>partial"});
  CHECK_FALSE(line[1].truncated);
  auto octet = Frame("30 <13>only ten", 64);
  REQUIRE(octet.size() == 1);
  CHECK(octet[0].text == "<13>only ten");
  CHECK(octet[0].truncated);
  CHECK(Texts(Frame("123", 64)) == std::vector<std::string>{"123"});
  CHECK(Frame("", 64).empty());
  CHECK(Frame("\n\n\r\n", 1).empty());
}

}  // namespace
}  // namespace hivewatch
