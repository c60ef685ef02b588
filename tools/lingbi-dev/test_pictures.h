// Generated pictures for tests and demos: distinct mixes of gradients, shapes and noise, in JPEG,
// PNG and WebP, made with libvips. Deterministic: picture i is the same on every run.
#pragma once

#include <vips/vips8>

#include <filesystem>
#include <vector>

#include <CLI/CLI.hpp>

namespace lingbi::dev {

// Picture number `i` at w x h: a different background gradient, shapes and noise for each i.
vips::VImage make_picture(int i, int w, int h);

// Saves by extension (.jpg, .png, .webp), creating folders as needed.
void save_picture(const vips::VImage& img, const std::filesystem::path& p);

// Writes pictures first..first+n-1 under dir/sub{i%5}/ as pic{i}.{jpg,png,webp}, sides between
// min_side and max_side; returns their paths.
std::vector<std::filesystem::path> make_pictures(const std::filesystem::path& dir, int first, int n,
                                                 int min_side = 64, int max_side = 112);

// Adds `lingbi-dev make-test-pictures DIR [--count N]`.
void add_make_test_pictures_command(CLI::App& app);

}  // namespace lingbi::dev
