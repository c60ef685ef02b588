#include "blocks.h"

namespace lingbi::render {

std::vector<Block> article_blocks(const Article& article) {
  std::vector<Block> blocks;
  int index = 0, picture = 0;
  for (const Section& section : article.sections) {
    if (!section.heading.empty()) blocks.push_back({Block::Kind::heading, &section.heading});
    for (const std::string& paragraph : section.paragraphs) {
      blocks.push_back({Block::Kind::paragraph, &paragraph});
      for (const Slot& slot : article.slots)
        if (slot.after_paragraph == index && slot.chosen)
          blocks.push_back({Block::Kind::picture, nullptr, &slot, ++picture});
      ++index;
    }
  }
  return blocks;
}

}  // namespace lingbi::render
