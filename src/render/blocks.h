// An article in the order a reader meets it: section headings, paragraphs, and each chosen
// picture right after the paragraph it belongs to. Every renderer walks this one order.
#pragma once

#include <string>
#include <vector>

#include "lingbi/article/article.h"

namespace lingbi::render {

struct Block {
  enum class Kind { heading, paragraph, picture };
  Kind kind = Kind::paragraph;
  const std::string* text = nullptr;  // heading and paragraph
  const Slot* slot = nullptr;         // picture: a slot with a choice
  int picture = 0;                    // picture: its number in the article, from 1
};

// The blocks of `article`, which must outlive them. Empty headings are left out; so are slots
// without a choice.
std::vector<Block> article_blocks(const Article& article);

}  // namespace lingbi::render
