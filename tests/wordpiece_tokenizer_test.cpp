// WordPiece (Chinese-CLIP's BertTokenizer) on the tiny fixture's vocabulary: the expected pieces are
// worked out by hand from BertTokenizer's rules (clean, split CJK ideographs, lower-case and strip
// accents, split punctuation, greedy longest-first with "##" continuations), then looked up by name.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "lingbi/clip/wordpiece_tokenizer.h"
#include "lingbi/util/error.h"
#include "tiny_chinese_clip.h"

namespace lingbi {
namespace {

std::vector<int32_t> ids_of(const std::vector<std::string>& pieces) {
  const auto vocab = dev::tiny_chinese_clip_vocab();
  std::vector<int32_t> ids;
  for (const auto& p : pieces) {
    auto it = std::find(vocab.begin(), vocab.end(), p);
    EXPECT_NE(it, vocab.end()) << p;
    ids.push_back(int32_t(it - vocab.begin()));
  }
  return ids;
}

WordPieceTokenizer tiny(bool lower = true) { return WordPieceTokenizer(dev::tiny_chinese_clip_vocab(), lower, lower); }

TEST(WordPiece, ChineseCharactersOneByOne) {
  EXPECT_EQ(tiny().encode("海边的日落"), ids_of({"[CLS]", "海", "边", "的", "日", "落", "[SEP]"}));
  // A character outside the vocabulary is [UNK] on its own; its neighbours are unaffected.
  EXPECT_EQ(tiny().encode("海边湖"), ids_of({"[CLS]", "海", "边", "[UNK]", "[SEP]"}));
  // Full-width punctuation is punctuation (category Po).
  EXPECT_EQ(tiny().encode("你好！"), ids_of({"[CLS]", "你", "好", "！", "[SEP]"}));
}

TEST(WordPiece, EnglishLowerCasedWithContinuations) {
  EXPECT_EQ(tiny().encode("A Photo of the Cats!"), ids_of({"[CLS]", "a", "photo", "of", "the", "cat", "##s", "!", "[SEP]"}));
  EXPECT_EQ(tiny().encode("42"), ids_of({"[CLS]", "4", "##2", "[SEP]"}));
  // Greedy longest match first: "dogs" is dog + ##s; "dogx" has no continuation "##x": all [UNK].
  EXPECT_EQ(tiny().encode("dogs dogx"), ids_of({"[CLS]", "dog", "##s", "[UNK]", "[SEP]"}));
}

TEST(WordPiece, MixedChineseAndEnglish) {
  EXPECT_EQ(tiny().encode("猫在sunset海边，hello world"),
            ids_of({"[CLS]", "猫", "在", "sun", "##set", "海", "边", "，", "hello", "world", "[SEP]"}));
}

TEST(WordPiece, EmojiIsPartOfItsWord) {
  // An emoji is a symbol (So), not punctuation: it stays in its word, which has no pieces: [UNK].
  EXPECT_EQ(tiny().encode("猫🙂dog"), ids_of({"[CLS]", "猫", "[UNK]", "[SEP]"}));
  EXPECT_EQ(tiny().encode("🙂 dog"), ids_of({"[CLS]", "[UNK]", "dog", "[SEP]"}));
}

TEST(WordPiece, EmptyAndBlankTexts) {
  EXPECT_EQ(tiny().encode(""), ids_of({"[CLS]", "[SEP]"}));
  EXPECT_EQ(tiny().encode(" \t\n "), ids_of({"[CLS]", "[SEP]"}));
  // Control characters are dropped, not made spaces: "cat\x01s" is the word "cats".
  EXPECT_EQ(tiny().encode("cat\x01s"), ids_of({"[CLS]", "cat", "##s", "[SEP]"}));
}

TEST(WordPiece, AccentsFollowLowerCasing) {
  EXPECT_EQ(tiny().encode("Café"), ids_of({"[CLS]", "cafe", "[SEP]"}));
  EXPECT_EQ(tiny(false).encode("Café cafe"), ids_of({"[CLS]", "[UNK]", "cafe", "[SEP]"}));
  EXPECT_EQ(tiny(false).encode("Cat"), ids_of({"[CLS]", "[UNK]", "[SEP]"}));
}

TEST(WordPiece, CutToTheContextWithSepLast) {
  EXPECT_EQ(tiny().encode("海边的日落", 5), ids_of({"[CLS]", "海", "边", "的", "[SEP]"}));
}

TEST(WordPiece, NeedsTheSpecialTokens) {
  EXPECT_THROW(WordPieceTokenizer({"a", "b"}, true, true), Error);
}

}  // namespace
}  // namespace lingbi
