// The pure parts of composing: language and length, picture counts and positions, tone.
#include <gtest/gtest.h>

#include <random>
#include <set>

#include <nlohmann/json.hpp>

#include "lingbi/compose/slot_plan.h"
#include "lingbi/compose/text_stats.h"
#include "lingbi/compose/tone.h"

namespace lingbi {
namespace {

TEST(TextStats, DetectsLanguage) {
  EXPECT_EQ(detect_language("Write about the history of tea in China."), "en");
  EXPECT_EQ(detect_language("写一篇关于中国茶文化历史的文章"), "zh");
  EXPECT_EQ(detect_language("介绍 iPhone 16 的新功能和 Apple Intelligence"), "zh");
  EXPECT_EQ(detect_language("A note with one character 茶 in it, mostly English words here."), "en");
  EXPECT_EQ(detect_language(""), "en");
}

TEST(TextStats, CountsWordsAndCharacters) {
  EXPECT_EQ(count_length("The quick brown fox", "en"), 4);
  EXPECT_EQ(count_length("  don't   stop--believing, 2024 café  ", "en"), 5);
  EXPECT_EQ(count_length("", "en"), 0);
  EXPECT_EQ(count_length("中国茶文化。", "zh"), 5);  // punctuation does not count
  EXPECT_EQ(count_length("我用 iPhone 拍照", "zh"), 5);  // four characters and one Latin word
  EXPECT_EQ(count_length("中文", "en"), 0);
  // Broken UTF-8 neither crashes nor counts as text.
  EXPECT_EQ(count_length(std::string("ab \xE4\xB8 cd \xFF"), "en"), 2);
  EXPECT_EQ(default_length("en"), 1500);
  EXPECT_EQ(default_length("zh"), 3000);
}

TEST(TextStats, ValidUtf8ReplacesOnlyBrokenSequences) {
  EXPECT_EQ(valid_utf8("plain 中文 \xEF\xBF\xBD ok"), "plain 中文 \xEF\xBF\xBD ok");
  EXPECT_EQ(valid_utf8("a\xE4\xB8 b"), "a\xEF\xBF\xBD\xEF\xBF\xBD b");      // truncated sequence
  EXPECT_EQ(valid_utf8("\xC0\xAF"), "\xEF\xBF\xBD\xEF\xBF\xBD");            // overlong '/'
  EXPECT_EQ(valid_utf8("\xED\xA0\x80"), "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");  // surrogate
  EXPECT_EQ(valid_utf8("end\xF0\x9F"), "end\xEF\xBF\xBD\xEF\xBF\xBD");
  // What comes out always survives a JSON round trip.
  std::string noisy;
  for (int b = 0; b < 256; ++b) noisy += static_cast<char>(b), noisy += static_cast<char>(255 - b);
  nlohmann::json j = valid_utf8(noisy);
  EXPECT_NO_THROW(j.dump());
}

TEST(SlotPlan, AutoCountFollowsLength) {
  EXPECT_EQ(auto_image_count(1500, "en", 20), 4);
  EXPECT_EQ(auto_image_count(2000, "en", 20), 6);  // at least one per 400 words
  EXPECT_EQ(auto_image_count(3000, "zh", 20), 4);
  EXPECT_EQ(auto_image_count(100, "en", 20), 1);
  EXPECT_EQ(auto_image_count(2000, "en", 3), 3);
  for (int words = 400; words <= 6000; words += 100) EXPECT_GE(auto_image_count(words, "en", 1000) * 400, words);
}

TEST(SlotPlan, KeepsGoodProposalsAndSeparatesCollisions) {
  std::vector<std::string> warnings;
  EXPECT_EQ(place_slots({2, 5, 8}, 10, 3, warnings), (std::vector<int>{2, 5, 8}));
  EXPECT_EQ(place_slots({4, 4, 4}, 10, 3, warnings), (std::vector<int>{3, 4, 5}));
  EXPECT_EQ(place_slots({-3, 99}, 10, 2, warnings), (std::vector<int>{0, 9}));
  EXPECT_EQ(place_slots({}, 9, 3, warnings), (std::vector<int>{1, 4, 7}));
  EXPECT_EQ(place_slots({7, 1, 3, 5}, 10, 2, warnings), (std::vector<int>{1, 7}));
  EXPECT_TRUE(warnings.empty());
}

TEST(SlotPlan, CapsAtOnePerParagraphWithWarning) {
  std::vector<std::string> warnings;
  EXPECT_EQ(place_slots({0, 0, 0, 0, 0}, 3, 5, warnings), (std::vector<int>{0, 1, 2}));
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_NE(warnings[0].find("only 3 paragraphs"), std::string::npos) << warnings[0];
  EXPECT_TRUE(place_slots({1}, 0, 2, warnings).empty());
}

TEST(SlotPlan, AlwaysExactAndDistinctOnRandomProposals) {
  std::mt19937 rng(7);
  for (int trial = 0; trial < 500; ++trial) {
    int paragraphs = 1 + rng() % 30, wanted = 1 + rng() % paragraphs;
    std::vector<int> proposed(rng() % 12);
    for (int& p : proposed) p = static_cast<int>(rng() % 40) - 5;
    std::vector<std::string> warnings;
    auto placed = place_slots(proposed, paragraphs, wanted, warnings);
    ASSERT_EQ(static_cast<int>(placed.size()), wanted);
    EXPECT_EQ(std::set<int>(placed.begin(), placed.end()).size(), placed.size());
    for (int p : placed) EXPECT_TRUE(p >= 0 && p < paragraphs);
    EXPECT_TRUE(warnings.empty());
  }
}

TEST(Tone, PrefersMatchingLooksAmongEquals) {
  Appearance sunny{0.8f, 0.7f, 90}, grey{0.25f, 0.05f, 4};
  EXPECT_GT(tone_fit("bright", sunny), tone_fit("bright", grey));
  EXPECT_GT(tone_fit("sombre", grey), tone_fit("sombre", sunny));
  EXPECT_DOUBLE_EQ(tone_fit("neutral", sunny), 0.5);
  EXPECT_DOUBLE_EQ(tone_fit("no-such-tone", grey), 0.5);
  for (auto tone : tone_names())
    for (const Appearance& a : {sunny, grey, Appearance{2, -1, 500}}) {
      double fit = tone_fit(tone, a);
      EXPECT_TRUE(fit >= 0 && fit <= 1) << tone;
    }
  // Equal relevance: the tone decides.
  EXPECT_EQ(rerank_by_tone({0.30, 0.30}, {grey, sunny}, "bright", 0.02), (std::vector<size_t>{1, 0}));
  EXPECT_EQ(rerank_by_tone({0.30, 0.30}, {grey, sunny}, "sombre", 0.02), (std::vector<size_t>{0, 1}));
  EXPECT_EQ(rerank_by_tone({0.30, 0.30}, {grey, sunny}, "neutral", 0.02), (std::vector<size_t>{0, 1}));
}

TEST(Tone, NeverOverridesAClearlyBetterMatch) {
  Appearance sunny{1, 1, 200}, grey{0, 0, 0};
  const double weight = 0.02;
  // The grey picture is more relevant by just over 2 * weight: it stays first even for "bright".
  EXPECT_EQ(rerank_by_tone({0.30 + 2 * weight + 1e-6, 0.30}, {grey, sunny}, "bright", weight),
            (std::vector<size_t>{0, 1}));
  std::mt19937 rng(3);
  std::uniform_real_distribution<double> u(0, 1);
  for (int trial = 0; trial < 200; ++trial) {
    std::vector<double> rel(6);
    std::vector<Appearance> looks(6);
    for (size_t i = 0; i < 6; ++i) {
      rel[i] = 0.2 + 0.1 * u(rng);
      looks[i] = {float(u(rng)), float(u(rng)), float(120 * u(rng))};
    }
    auto order = rerank_by_tone(rel, looks, tone_names()[trial % tone_names().size()], weight);
    for (size_t a = 0; a < order.size(); ++a)
      for (size_t b = a + 1; b < order.size(); ++b)
        EXPECT_LE(rel[order[b]] - rel[order[a]], 2 * weight + 1e-12);
  }
}

}  // namespace
}  // namespace lingbi
