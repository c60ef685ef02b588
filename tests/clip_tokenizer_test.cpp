// CLIP tokenizer on the tiny vocabulary. Expected ids worked out by hand:
//   byte tokens in bytes_to_unicode order: '!'..'~' are 0..93 (ASCII c -> c - 33),
//   0xA1..0xAC -> 94..105, 0xAE..0xFF -> 106..187, then bytes 0..32, 127..160, 173 -> 188..255;
//   the same with "</w>" -> +256; merge results 512 + rank (tiny_clip.cpp's kMerges):
//   he 512, ll 513, lo</w> 514, hell 515, hello</w> 516, th 517, the</w> 518, ca 519, cat</w> 520,
//   at</w> 521, do 522, dog</w> 523, 's</w> 524, in 525, ing</w> 526, re 527, er</w> 528, ph 529,
//   pho 530, phot 531, photo</w> 532, of</w> 533, an 534, and</w> 535; <|startoftext|> 536,
//   <|endoftext|> 537.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "clip_fixture.h"
#include "lingbi/clip/clip_tokenizer.h"
#include "lingbi/util/error.h"

namespace lingbi {
namespace {

constexpr int32_t S = 536, E = 537;
int32_t ch(char c) { return c - 33; }
int32_t end(char c) { return c - 33 + 256; }

std::vector<std::string> tiny_tokens() {
  std::ifstream vf(test::tiny_clip_hf() / "vocab.json");
  const auto vocab = nlohmann::json::parse(vf);
  std::vector<std::string> tokens(vocab.size());
  for (auto it = vocab.begin(); it != vocab.end(); ++it) tokens[it.value().get<size_t>()] = it.key();
  return tokens;
}

std::vector<std::string> tiny_merges() {
  std::vector<std::string> merges;
  std::ifstream mf(test::tiny_clip_hf() / "merges.txt");
  std::string line;
  while (std::getline(mf, line))
    if (!line.empty() && line[0] != '#') merges.push_back(line);
  return merges;
}

// Both ways of ranking merges (stored merges; ranks from token ids, as in clip.cpp's files).
class ClipTokenizerTest : public ::testing::TestWithParam<bool> {
 protected:
  ClipTokenizer tok{tiny_tokens(), GetParam() ? tiny_merges() : std::vector<std::string>{}};
};

TEST_P(ClipTokenizerTest, VocabularyLayout) {
  EXPECT_EQ(tok.vocab_size(), 538u);
  EXPECT_EQ(tok.start_id(), S);
  EXPECT_EQ(tok.end_id(), E);
  EXPECT_EQ(tok.token(ch('a')), "a");
  EXPECT_EQ(tok.token(end('a')), "a</w>");
  EXPECT_EQ(tok.token(516), "hello</w>");
}

TEST_P(ClipTokenizerTest, LowerCasesAndMergesByRank) {
  // h e l l o</w>: "h e" (0) -> he; "l l" (1) before "l o</w>" (2) -> he ll o</w> -> hell o</w> -> hello</w>
  EXPECT_EQ(tok.encode("HeLLo"), (std::vector<int32_t>{S, 516, E}));
  EXPECT_EQ(tok.bpe("hello"), (std::vector<std::string>{"hello</w>"}));
  // c a t</w>: "c a" (7) before "a t</w>" (9), then "ca t</w>" (8)
  EXPECT_EQ(tok.bpe("cat"), (std::vector<std::string>{"cat</w>"}));
  // w o r l d</w>: no rule applies
  EXPECT_EQ(tok.encode("World"), (std::vector<int32_t>{S, ch('w'), ch('o'), ch('r'), ch('l'), end('d'), E}));
  EXPECT_EQ(tok.encode("Photo of the cat"), (std::vector<int32_t>{S, 532, 533, 518, 520, E}));
}

TEST_P(ClipTokenizerTest, PunctuationAndApostrophes) {
  // "!" after a word is its own word; a run of punctuation stays together.
  EXPECT_EQ(tok.encode("hello world!"),
            (std::vector<int32_t>{S, 516, ch('w'), ch('o'), ch('r'), ch('l'), end('d'), end('!'), E}));
  EXPECT_EQ(tok.encode("hi!!"), (std::vector<int32_t>{S, ch('h'), end('i'), ch('!'), end('!'), E}));
  // "'s" is split off as a contraction and merged by "' s</w>" (12).
  EXPECT_EQ(tok.encode("The cat's"), (std::vector<int32_t>{S, 518, 520, 524, E}));
  // "'x" is not a contraction: the apostrophe is punctuation, x a word.
  EXPECT_EQ(tok.encode("'x"), (std::vector<int32_t>{S, end('\''), end('x'), E}));
}

TEST_P(ClipTokenizerTest, NumbersAreSingleDigits) {
  EXPECT_EQ(tok.encode("42"), (std::vector<int32_t>{S, end('4'), end('2'), E}));
}

TEST_P(ClipTokenizerTest, UnicodeAndEmoji) {
  // "CAFÉ" lower-cases to "café"; é is C3 A9: 0xC3 -> 106 + 0x15 = 127, 0xA9 -> 94 + 8 = 102 (+256 at the end).
  EXPECT_EQ(tok.encode("CAFÉ"), (std::vector<int32_t>{S, 519, ch('f'), 127, 102 + 256, E}));
  // 🙂 is F0 9F 99 82: 0xF0 -> 106 + 66 = 172; 0x9F, 0x99, 0x82 -> 221 + (b - 127) = 253, 247, 224 (+256).
  EXPECT_EQ(tok.encode("🙂"), (std::vector<int32_t>{S, 172, 253, 247, 224 + 256, E}));
}

TEST_P(ClipTokenizerTest, WhitespaceRunsCollapse) {
  EXPECT_EQ(tok.encode("  the\t\n  dog  "), (std::vector<int32_t>{S, 518, 523, E}));
  EXPECT_EQ(tok.encode(""), (std::vector<int32_t>{S, E}));
  EXPECT_EQ(tok.encode(" \n\t "), (std::vector<int32_t>{S, E}));
}

TEST_P(ClipTokenizerTest, TruncatesKeepingTheEndToken) {
  std::string text;
  for (int i = 0; i < 100; ++i) text += "the ";
  const auto ids = tok.encode(text, 77);
  ASSERT_EQ(ids.size(), 77u);
  EXPECT_EQ(ids.front(), S);
  EXPECT_EQ(ids[1], 518);
  EXPECT_EQ(ids[75], 518);
  EXPECT_EQ(ids.back(), E);
  EXPECT_EQ(tok.encode(text, 5), (std::vector<int32_t>{S, 518, 518, 518, E}));
}

TEST_P(ClipTokenizerTest, SpecialTokensInTextMapToTheirIds) {
  EXPECT_EQ(tok.encode("<|startoftext|>the"), (std::vector<int32_t>{S, S, 518, E}));
}

TEST_P(ClipTokenizerTest, InvalidUtf8IsReplacedNotFatal) {
  // Each bad byte becomes U+FFFD (EF BF BD); all three bytes lie in 0xAE..0xFF: 0xEF -> 106 + 0x41 = 171,
  // 0xBF -> 106 + 0x11 = 123, 0xBD -> 106 + 0x0F = 121. The two form one word (neither letter nor digit).
  EXPECT_EQ(tok.encode("\xff\xfe"), (std::vector<int32_t>{S, 171, 123, 121, 171, 123, 121 + 256, E}));
}

INSTANTIATE_TEST_SUITE_P(MergesStoredOrFromIds, ClipTokenizerTest, ::testing::Values(true, false));

TEST(ClipTokenizer, RejectsAVocabularyWithoutSpecialTokens) {
  auto tokens = tiny_tokens();
  tokens.pop_back();
  try {
    ClipTokenizer t(tokens, {});
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("<|endoftext|>"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace lingbi
