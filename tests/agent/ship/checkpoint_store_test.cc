#include "agent/ship/checkpoint_store.h"

#include <catch2/catch.hpp>

#include "tests/support/temp_dir.h"

namespace hivewatch {
namespace {

using testing::TempDir;

std::unique_ptr<CheckpointStore> OpenStore(const std::string& path) {
  auto store = CheckpointStore::Open(path);
  REQUIRE(store.ok());
  return std::move(store).value();
}

TEST_CASE("checkpoints survive reopening, and an empty position forgets its key", "[checkpoints]") {
  TempDir tmp;
  const std::string path = tmp.path() + "/state.db";
  {
    auto store = OpenStore(path);
    CHECK(store->Load()->empty());
    REQUIRE(store->Apply({{"file:1:2", "{\"offset\":10}"}, {"journald:system", "s=abc"}}).ok());
    REQUIRE(store->Apply({{"file:1:2", "{\"offset\":20}"}}).ok());
    REQUIRE(store->Apply({{"file:1:2", "{\"offset\":20}"}}).ok());  // idempotent
  }
  auto store = OpenStore(path);
  CHECK(*store->Load() ==
        Checkpoints{{"file:1:2", "{\"offset\":20}"}, {"journald:system", "s=abc"}});
  REQUIRE(store->Apply({{"file:1:2", ""}, {"file:9:9", ""}}).ok());
  CHECK(*store->Load() == Checkpoints{{"journald:system", "s=abc"}});
}

TEST_CASE("checkpoint changes round-trip through spool metadata", "[checkpoints]") {
  Checkpoints changes{{"file:1:2", "{\"offset\":5}"}, {"file:3:4", ""}};
  auto decoded = DecodeCheckpoints(EncodeCheckpoints(changes));
  REQUIRE(decoded.ok());
  CHECK(*decoded == changes);
  CHECK(EncodeCheckpoints({}).empty());
  CHECK(DecodeCheckpoints("")->empty());
  auto bad = DecodeCheckpoints("[1,2]");
  CHECK(bad.status().code() == StatusCode::kInvalidArgument);

  Checkpoints base{{"file:3:4", "old"}, {"file:5:6", "kept"}};
  MergeCheckpoints(changes, &base);
  CHECK(base == Checkpoints{{"file:1:2", "{\"offset\":5}"}, {"file:5:6", "kept"}});
}

}  // namespace
}  // namespace hivewatch
