// The little structure a model's paragraph may carry that publishing formats must honour: list
// items ("- item", "* item", "3. item" on lines of their own) and Markdown links "[text](URL)".
// Everything else is plain text, as the HTML page shows it.
#pragma once

#include <string>
#include <vector>

namespace lingbi::render {

struct Span {
  std::string text;
  std::string url;  // empty: plain text; else an http(s) link around `text`
};

struct Line {
  std::string marker;  // "" for prose, "•" for a bullet item, "3." for a numbered one
  std::vector<Span> spans;
};

// The lines of `paragraph`: one prose line when it holds no list item; else each list item is a
// line and the prose between items one line each (its line breaks become spaces).
std::vector<Line> paragraph_lines(const std::string& paragraph);

// The spans of one line of text: plain runs and links (only http:// and https:// targets).
std::vector<Span> link_spans(const std::string& text);

}  // namespace lingbi::render
