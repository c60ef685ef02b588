// Scale-out ingestion (issue 16 item 5, docs/scale-out.md): the script every Slurm array task and
// Kubernetes indexed pod runs (deploy/index-shard.sh), run as N local processes at once, then the
// merge script (deploy/merge-shards.sh): the merged gallery equals one `lingbi index` over all.
#include <gtest/gtest.h>

#include <filesystem>
#include <memory>
#include <vector>

#include "lingbi/gallery/gallery.h"
#include "model_support.h"
#include "support/gallery_compare.h"
#include "support/process.h"
#include "support/temp_dir.h"
#include "test_pictures.h"

namespace lingbi {
namespace {

namespace fs = std::filesystem;

TEST(ScaleOut, ShardScriptsAsLocalProcessesMergedEqualOneRun) {
  test::TempDir dir;
  const fs::path photos = dir / "photos";
  dev::make_pictures(photos / "a", 0, 60, 32, 64);
  dev::make_pictures(photos / "b", 60, 60, 32, 64);
  const std::string clip = (test::tiny_models() / "clip.gguf").string();
  const std::string lingbi = test::lingbi_program();
  const std::string deploy = std::string(LINGBI_TEST_SOURCE_DIR) + "/deploy/";
  const int shards = 3;
  const std::string env = "SHARDS=" + std::to_string(shards) + " PICTURES='" + (photos / "a").string() + " " +
                          (photos / "b").string() + "' GALLERIES='" + (dir / "shards").string() + "' CLIP='" + clip +
                          "' LINGBI='" + lingbi + "' THREADS=1 OMP_WAIT_POLICY=passive ";

  std::vector<std::unique_ptr<test::Child>> running;
  for (int i = 0; i < shards; ++i)
    running.push_back(std::make_unique<test::Child>("env SHARD=" + std::to_string(i) + " " + env + deploy + "index-shard.sh",
                                                    (dir / ("shard" + std::to_string(i) + ".out")).string(),
                                                    (dir / ("shard" + std::to_string(i) + ".err")).string()));
  for (int i = 0; i < shards; ++i) ASSERT_EQ(running[i]->wait(), 0) << "shard " << i;
  int64_t shard_paths = 0;
  for (int i = 0; i < shards; ++i) {
    const GalleryInfo info = Gallery::open((dir / "shards" / ("shard-" + std::to_string(i))).string())->info();
    EXPECT_GT(info.images, 20) << "shard " << i << " should hold about a third";
    shard_paths += info.paths;
  }
  EXPECT_EQ(shard_paths, 120) << "every file lands in exactly one shard";

  int status = 0;
  std::string out = test::run_capture("env OUT='" + (dir / "merged").string() + "' " + env + deploy + "merge-shards.sh 2>&1", status);
  ASSERT_EQ(status, 0) << out;
  out = test::run_capture("OMP_WAIT_POLICY=passive " + lingbi + " index -q -t 1 --gallery '" + (dir / "whole").string() +
                              "' --clip " + clip + " '" + (photos / "a").string() + "' '" + (photos / "b").string() + "' 2>&1",
                          status);
  ASSERT_EQ(status, 0) << out;

  auto whole = Gallery::open((dir / "whole").string());
  auto merged = Gallery::open((dir / "merged").string());
  test::expect_index_agrees(*merged);
  EXPECT_EQ(merged->info().images, whole->info().images);
  EXPECT_EQ(merged->info().paths, 120);
  EXPECT_EQ(merged->info().model_path, clip) << "the merged gallery remembers the shards' CLIP file";
  // Vectors differ from the one run's only as far as the encoder's results depend on which images
  // share a batch (float rounding).
  test::expect_same_content(test::content_of(*whole), test::content_of(*merged), 1e-6f);

  // A shard with nothing to tell which it is fails with a clear message.
  out = test::run_capture("env -u SLURM_ARRAY_TASK_ID -u JOB_COMPLETION_INDEX " + env + deploy + "index-shard.sh 2>&1", status);
  EXPECT_NE(status, 0);
  EXPECT_NE(out.find("set SHARD (or run as a Slurm array task or a Kubernetes indexed Job)"), std::string::npos) << out;
}

}  // namespace
}  // namespace lingbi
