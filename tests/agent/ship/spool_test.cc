#include "agent/ship/spool.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>
#include <algorithm>

#include <zlib.h>

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/temp_dir.h"

namespace hivewatch {
namespace {

namespace fs = std::filesystem;
using testing::TempDir;

std::unique_ptr<Spool> OpenSpool(const std::string& dir, uint64_t segment_bytes = 4 << 20,
                                 uint64_t max_bytes = 256ull << 20) {
  SpoolOptions options;
  options.dir = dir;
  options.segment_bytes = segment_bytes;
  options.max_bytes = max_bytes;
  auto spool = Spool::Open(options);
  REQUIRE(spool.ok());
  return std::move(spool).value();
}

std::string Id(int i) { return "batch-" + std::to_string(i); }
std::string Payload(int i) { return "payload " + std::to_string(i) + std::string(100, 'x'); }

// Peeks and acks everything left, returning the batch ids in order.
std::vector<std::string> Drain(Spool& spool) {
  std::vector<std::string> ids;
  for (;;) {
    auto head = spool.Peek();
    REQUIRE(head.ok());
    if (!head->has_value()) return ids;
    ids.push_back((*head)->batch_id);
    REQUIRE(spool.Ack((*head)->batch_id).ok());
  }
}

std::vector<std::string> Ids(int from, int to) {
  std::vector<std::string> ids;
  for (int i = from; i < to; ++i) ids.push_back(Id(i));
  return ids;
}

std::vector<fs::path> SegmentFiles(const std::string& dir) {
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(dir)) {
    if (e.path().filename().string().rfind("seg-", 0) == 0) files.push_back(e.path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

TEST_CASE("spool delivers records in FIFO order and ack removes the oldest", "[spool]") {
  TempDir tmp;
  auto spool = OpenSpool(tmp.path() + "/spool");
  auto empty = spool->Peek();
  REQUIRE(empty.ok());
  CHECK_FALSE(empty->has_value());

  for (int i = 0; i < 3; ++i) REQUIRE(spool->Append(Id(i), Payload(i)).ok());
  auto head = spool->Peek();
  REQUIRE(head.ok());
  REQUIRE(head->has_value());
  CHECK((*head)->batch_id == Id(0));
  CHECK((*head)->payload == Payload(0));
  // Peek does not consume; an ack of anything but the oldest is refused.
  CHECK((*spool->Peek())->batch_id == Id(0));
  CHECK(spool->Ack(Id(1)).code() == StatusCode::kInvalidArgument);
  REQUIRE(spool->Ack(Id(0)).ok());
  CHECK((*spool->Peek())->batch_id == Id(1));
  CHECK(Drain(*spool) == Ids(1, 3));
  CHECK(spool->Ack(Id(2)).code() == StatusCode::kInvalidArgument);
  CHECK(spool->bytes() > 0);
}

TEST_CASE("a reopened spool resumes right after the last acknowledged record", "[spool]") {
  TempDir tmp;
  {
    auto spool = OpenSpool(tmp.path());
    for (int i = 0; i < 5; ++i) REQUIRE(spool->Append(Id(i), Payload(i)).ok());
    REQUIRE(spool->Ack(Id(0)).ok());
    REQUIRE((*spool->Peek())->batch_id == Id(1));
    REQUIRE(spool->Ack(Id(1)).ok());
  }
  {
    auto spool = OpenSpool(tmp.path());
    REQUIRE(spool->Append(Id(5), Payload(5)).ok());
    CHECK((*spool->Peek())->payload == Payload(2));
    CHECK(Drain(*spool) == Ids(2, 6));
  }
  auto spool = OpenSpool(tmp.path());
  CHECK_FALSE(spool->Peek()->has_value());
  CHECK(spool->corrupt_records() == 0);
}

TEST_CASE("meta travels with its record and ScanUnacked lists the backlog in order", "[spool]") {
  TempDir tmp;
  {
    auto spool = OpenSpool(tmp.path(), /*segment_bytes=*/300);  // several segments
    for (int i = 0; i < 6; ++i) {
      REQUIRE(spool->Append(Id(i), Payload(i), i % 2 ? "" : "{\"file:1\":\"" + Id(i) + "\"}").ok());
    }
    REQUIRE(spool->Ack(Id(0)).ok());
    REQUIRE(spool->Ack(Id(1)).ok());
  }
  auto spool = OpenSpool(tmp.path(), 300);
  std::vector<std::string> ids, metas;
  REQUIRE(spool
              ->ScanUnacked([&](const SpoolRecord& r) {
                ids.push_back(r.batch_id);
                metas.push_back(r.meta);
              })
              .ok());
  CHECK(ids == Ids(2, 6));
  CHECK(metas ==
        std::vector<std::string>{"{\"file:1\":\"batch-2\"}", "", "{\"file:1\":\"batch-4\"}", ""});
  auto head = spool->Peek();
  REQUIRE(head->has_value());
  CHECK((*head)->meta == "{\"file:1\":\"batch-2\"}");
  CHECK((*head)->payload == Payload(2));
  CHECK(Drain(*spool) == Ids(2, 6));  // scanning consumed nothing
}

TEST_CASE("records of the first format (no meta) are still read", "[spool]") {
  TempDir tmp;
  // HWP1: [magic][len][crc32 over len bytes + body][id_len u16][batch_id][payload]
  const std::string id = "old-1", payload = "gzipped bytes";
  std::string body;
  body += static_cast<char>(id.size());
  body += '\0';
  body += id + payload;
  auto u32 = [](uint32_t v) {
    std::string b(4, '\0');
    for (int i = 0; i < 4; ++i) b[i] = static_cast<char>((v >> (8 * i)) & 0xFF);
    return b;
  };
  const std::string len = u32(static_cast<uint32_t>(body.size()));
  uLong crc = crc32(0L, Z_NULL, 0);
  crc = crc32(crc, reinterpret_cast<const Bytef*>(len.data()), 4);
  crc = crc32(crc, reinterpret_cast<const Bytef*>(body.data()), static_cast<uInt>(body.size()));
  {
    std::ofstream out(tmp.path() + "/seg-000001.log", std::ios::binary);
    out << u32(0x31505748) << len << u32(static_cast<uint32_t>(crc)) << body;
  }
  auto spool = OpenSpool(tmp.path());
  auto head = spool->Peek();
  REQUIRE(head.ok());
  REQUIRE(head->has_value());
  CHECK((*head)->batch_id == id);
  CHECK((*head)->payload == payload);
  CHECK((*head)->meta.empty());
  CHECK(spool->corrupt_records() == 0);
}

TEST_CASE("segments roll at the size limit and are deleted once acknowledged", "[spool]") {
  TempDir tmp;
  auto spool = OpenSpool(tmp.path(), /*segment_bytes=*/1024);
  for (int i = 0; i < 40; ++i) REQUIRE(spool->Append(Id(i), Payload(i)).ok());
  size_t files = SegmentFiles(tmp.path()).size();
  CHECK(files >= 4);
  CHECK(spool->segment_count() == files);
  for (const auto& f : SegmentFiles(tmp.path())) CHECK(fs::file_size(f) <= 1024);

  for (int i = 0; i < 20; ++i) REQUIRE(spool->Ack((*spool->Peek())->batch_id).ok());
  CHECK(SegmentFiles(tmp.path()).size() < files);
  CHECK(Drain(*spool) == Ids(20, 40));
  // Only the segment still being written remains.
  CHECK(SegmentFiles(tmp.path()).size() == 1);
  CHECK(spool->bytes() == fs::file_size(SegmentFiles(tmp.path())[0]));
}

TEST_CASE("a corrupt byte skips only the damaged record, which is counted", "[spool]") {
  TempDir tmp;
  {
    auto spool = OpenSpool(tmp.path());
    for (int i = 0; i < 5; ++i) REQUIRE(spool->Append(Id(i), Payload(i)).ok());
  }
  auto files = SegmentFiles(tmp.path());
  REQUIRE(files.size() == 1);
  const uint64_t record = fs::file_size(files[0]) / 5;  // all records have the same size

  SECTION("in the payload") {
    std::fstream f(files[0], std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(static_cast<std::streamoff>(2 * record + record / 2));
    f.put('#');
  }
  SECTION("in the magic") {
    std::fstream f(files[0], std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(static_cast<std::streamoff>(2 * record));
    f.put('#');
  }
  SECTION("in the length") {
    std::fstream f(files[0], std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(static_cast<std::streamoff>(2 * record + 6));
    f.put('\x7f');
  }
  auto spool = OpenSpool(tmp.path());
  CHECK(Drain(*spool) == std::vector<std::string>{Id(0), Id(1), Id(3), Id(4)});
  CHECK(spool->corrupt_records() == 1);
}

TEST_CASE("a tail torn by a crash loses nothing before it", "[spool]") {
  TempDir tmp;
  {
    auto spool = OpenSpool(tmp.path());
    for (int i = 0; i < 3; ++i) REQUIRE(spool->Append(Id(i), Payload(i)).ok());
  }
  auto files = SegmentFiles(tmp.path());
  REQUIRE(files.size() == 1);
  // Half of a fourth record, as if killed in the middle of write().
  std::string partial(fs::file_size(files[0]) / 3, '\0');
  {
    std::ifstream in(files[0], std::ios::binary);
    in.read(partial.data(), static_cast<std::streamsize>(partial.size()));
  }
  {
    std::ofstream out(files[0], std::ios::binary | std::ios::app);
    out.write(partial.data(), static_cast<std::streamsize>(partial.size() / 2));
  }
  auto spool = OpenSpool(tmp.path());
  REQUIRE(spool->Append(Id(3), Payload(3)).ok());  // goes to a new segment
  CHECK(Drain(*spool) == Ids(0, 4));
  CHECK(spool->corrupt_records() == 1);
  // The torn segment was fully consumed and deleted.
  CHECK(SegmentFiles(tmp.path()).size() == 1);
}

TEST_CASE("the size cap drops the oldest segments and counts their batches", "[spool]") {
  TempDir tmp;
  auto spool = OpenSpool(tmp.path(), /*segment_bytes=*/1024, /*max_bytes=*/4096);
  REQUIRE(spool->Append(Id(0), Payload(0)).ok());
  REQUIRE(spool->Ack(Id(0)).ok());  // acknowledged records are not counted as dropped
  const int n = 200;
  for (int i = 1; i < n; ++i) REQUIRE(spool->Append(Id(i), Payload(i)).ok());
  CHECK(spool->bytes() <= 4096 + 1024);
  CHECK(spool->dropped_batches() > 0);

  auto left = Drain(*spool);
  REQUIRE(!left.empty());
  // What is left is the newest records, in order, and nothing is both dropped and delivered.
  CHECK(left.back() == Id(n - 1));
  CHECK(left == Ids(n - static_cast<int>(left.size()), n));
  CHECK(left.size() + spool->dropped_batches() == n - 1);
}

TEST_CASE("on_drop sees every unacknowledged record the cap drops, with its meta", "[spool]") {
  TempDir tmp;
  std::vector<std::string> dropped;
  SpoolOptions options;
  options.dir = tmp.path();
  options.segment_bytes = 1024;
  options.max_bytes = 4096;
  options.on_drop = [&](const SpoolRecord& r) {
    CHECK(r.meta == "meta " + r.batch_id);
    dropped.push_back(r.batch_id);
  };
  auto opened = Spool::Open(options);
  REQUIRE(opened.ok());
  Spool& spool = **opened;
  const int n = 200;
  for (int i = 0; i < n; ++i) REQUIRE(spool.Append(Id(i), Payload(i), "meta " + Id(i)).ok());
  const std::string acked = (*spool.Peek())->batch_id;
  REQUIRE(acked != Id(0));
  REQUIRE(spool.Ack(acked).ok());
  for (int i = n; i < n + 50; ++i) {
    REQUIRE(spool.Append(Id(i), Payload(i), "meta " + Id(i)).ok());
  }
  CHECK(dropped.size() == spool.dropped_batches());
  // The oldest first, and never the acknowledged one: dropped + acked + left = all.
  auto left = Drain(spool);
  CHECK(dropped.front() == Id(0));
  CHECK(dropped.size() + 1 + left.size() == n + 50);
  std::vector<std::string> all = dropped;
  all.insert(all.end(), left.begin(), left.end());
  CHECK(std::find(all.begin(), all.end(), acked) == all.end());
}

TEST_CASE("the cap can drop a record the shipper has peeked but not acked", "[spool]") {
  TempDir tmp;
  auto spool = OpenSpool(tmp.path(), 1024, 2048);
  REQUIRE(spool->Append(Id(0), Payload(0)).ok());
  REQUIRE((*spool->Peek())->batch_id == Id(0));
  for (int i = 1; i < 50; ++i) REQUIRE(spool->Append(Id(i), Payload(i)).ok());
  // The late ack is refused, and the head has moved on to a newer record.
  CHECK(spool->Ack(Id(0)).code() == StatusCode::kInvalidArgument);
  CHECK((*spool->Peek())->batch_id != Id(0));
}

TEST_CASE("a producer and a consumer thread share the spool", "[spool]") {
  TempDir tmp;
  auto spool = OpenSpool(tmp.path(), /*segment_bytes=*/4096);
  const int n = 300;
  std::thread producer([&] {
    for (int i = 0; i < n; ++i) REQUIRE(spool->Append(Id(i), Payload(i)).ok());
  });
  std::vector<std::string> got;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (got.size() < static_cast<size_t>(n) && spool->WaitForRecord(deadline)) {
    auto head = spool->Peek();
    REQUIRE(head.ok());
    REQUIRE(head->has_value());
    CHECK((*head)->payload == Payload(static_cast<int>(got.size())));
    got.push_back((*head)->batch_id);
    REQUIRE(spool->Ack(got.back()).ok());
  }
  producer.join();
  CHECK(got == Ids(0, n));
  CHECK_FALSE(spool->Peek()->has_value());
}

TEST_CASE("every record whose Append returned survives kill -9", "[spool]") {
  TempDir tmp;
  int fds[2];
  REQUIRE(pipe(fds) == 0);
  pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    // Child: append forever, confirming each returned Append through the pipe.
    close(fds[0]);
    SpoolOptions options;
    options.dir = tmp.path();
    options.segment_bytes = 2048;
    auto spool = Spool::Open(options);
    if (!spool.ok()) _exit(1);
    for (int i = 0;; ++i) {
      if (!(*spool)->Append(Id(i), Payload(i)).ok()) _exit(1);
      if (write(fds[1], &i, sizeof i) != sizeof i) _exit(1);
    }
  }
  close(fds[1]);
  int confirmed = -1;
  for (int k = 0; k < 40; ++k)
    REQUIRE(read(fds[0], &confirmed, sizeof confirmed) == sizeof confirmed);
  kill(pid, SIGKILL);
  int wstatus = 0;
  REQUIRE(waitpid(pid, &wstatus, 0) == pid);
  CHECK(WIFSIGNALED(wstatus));
  for (int v; read(fds[0], &v, sizeof v) == sizeof v;) confirmed = v;
  close(fds[0]);

  auto spool = OpenSpool(tmp.path(), 2048);
  auto ids = Drain(*spool);
  REQUIRE(ids.size() >= static_cast<size_t>(confirmed + 1));
  CHECK(ids == Ids(0, static_cast<int>(ids.size())));
  CHECK(spool->corrupt_records() <= 1);  // at most the record being written when killed
}

TEST_CASE("kill -9 after acks re-sends at most the unsynced acked records, loses none", "[spool]") {
  TempDir tmp;
  constexpr int kRecords = 200, kAcked = 50;
  constexpr uint32_t kSyncEvery = 16;
  {
    auto spool = OpenSpool(tmp.path(), 2048);  // several segments, some deleted by the acks
    for (int i = 0; i < kRecords; ++i) REQUIRE(spool->Append(Id(i), Payload(i)).ok());
  }
  int acks[2], go[2];
  REQUIRE(pipe(acks) == 0);
  REQUIRE(pipe(go) == 0);
  pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    // Child: the shipper's loop in lockstep — ack the head, report it, wait for the go-ahead.
    close(acks[0]);
    close(go[1]);
    SpoolOptions options;
    options.dir = tmp.path();
    options.segment_bytes = 2048;
    options.ack_sync_every = kSyncEvery;
    auto spool = Spool::Open(options);
    if (!spool.ok()) _exit(1);
    for (int i = 0;; ++i) {
      auto head = (*spool)->Peek();
      if (!head.ok() || !head->has_value() || !(*spool)->Ack((*head)->batch_id).ok()) _exit(1);
      char c;
      if (write(acks[1], &i, sizeof i) != sizeof i || read(go[0], &c, 1) != 1) _exit(1);
    }
  }
  close(acks[1]);
  close(go[0]);
  for (int k = 0; k < kAcked; ++k) {
    int i = -1;
    REQUIRE(read(acks[0], &i, sizeof i) == sizeof i);
    REQUIRE(i == k);
    if (k + 1 < kAcked) REQUIRE(write(go[1], "g", 1) == 1);
  }
  kill(pid, SIGKILL);  // the child has acked exactly kAcked records and waits
  int wstatus = 0;
  REQUIRE(waitpid(pid, &wstatus, 0) == pid);
  CHECK(WIFSIGNALED(wstatus));
  close(acks[0]);
  close(go[1]);

  auto spool = OpenSpool(tmp.path(), 2048);
  auto ids = Drain(*spool);
  REQUIRE_FALSE(ids.empty());
  const int first = std::stoi(ids.front().substr(ids.front().find('-') + 1));
  CHECK(ids == Ids(first, kRecords));  // everything not acked is there, in order
  // Re-sent: the acks since the last sync (every kSyncEvery acks, and at each segment
  // deletion), so some but fewer than kSyncEvery.
  CHECK(first < kAcked);
  CHECK(kAcked - first < static_cast<int>(kSyncEvery));
  CHECK(spool->corrupt_records() == 0);
}

TEST_CASE("a clean close makes every ack durable, and ack_sync_every = 1 syncs each ack",
          "[spool]") {
  TempDir tmp;
  SpoolOptions options;
  options.dir = tmp.path();
  {
    auto spool = Spool::Open(options);
    REQUIRE(spool.ok());
    for (int i = 0; i < 5; ++i) REQUIRE((*spool)->Append(Id(i), Payload(i)).ok());
    REQUIRE((*spool)->Ack(Id(0)).ok());
    REQUIRE((*spool)->Ack(Id(1)).ok());
  }  // destroyed: SyncAcks
  {
    auto spool = OpenSpool(tmp.path());
    CHECK((*spool->Peek())->batch_id == Id(2));
  }
  options.ack_sync_every = 1;
  auto spool = Spool::Open(options);
  REQUIRE(spool.ok());
  REQUIRE((*spool)->Ack(Id(2)).ok());
  // A second spool on the directory sees the position at once (no sync was needed).
  CHECK((*OpenSpool(tmp.path())->Peek())->batch_id == Id(3));
  options.ack_sync_every = 0;
  CHECK_FALSE(Spool::Open(options).ok());
}

TEST_CASE("Interrupt wakes a waiting consumer", "[spool]") {
  TempDir tmp;
  auto spool = OpenSpool(tmp.path());
  std::thread stopper([&] { spool->Interrupt(); });
  CHECK_FALSE(spool->WaitForRecord(std::chrono::steady_clock::now() + std::chrono::minutes(5)));
  stopper.join();
}

}  // namespace
}  // namespace hivewatch
