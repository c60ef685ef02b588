// A WeChat fragment as WeChat's editor holds it, for Chromium: inside a page of its own, and as
// WeChat's paste filter leaves it (<style> elements and class attributes dropped).
#pragma once

#include <filesystem>
#include <fstream>
#include <regex>
#include <string>

namespace lingbi::test {

// Writes `html` inside a UTF-8 page named `name` beside `fragment`; returns the page's path.
inline std::filesystem::path page_around(const std::filesystem::path& fragment, const std::string& html,
                                         const std::string& name) {
  const std::filesystem::path page = fragment.parent_path() / name;
  std::ofstream(page) << "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"></head><body style=\"margin:0\">\n" << html
                      << "</body></html>\n";
  return page;
}

inline std::string as_wechat_filters_it(std::string html) {
  html = std::regex_replace(html, std::regex("<style[^>]*>[\\s\\S]*?</style>", std::regex::icase), "");
  return std::regex_replace(html, std::regex("\\s+class=(\"[^\"]*\"|'[^']*'|[^\\s>]+)", std::regex::icase), "");
}

}  // namespace lingbi::test
