// Checks JSON written by the code against docs/article.schema.json: every object has exactly the
// properties the schema allows and all it requires, with $ref, oneOf (null or object), items.
#pragma once

#include <gtest/gtest.h>

#include <fstream>
#include <string>

#include <nlohmann/json.hpp>

namespace lingbi::test {

// Every object the code writes has exactly the properties docs/article.schema.json allows and
// requires, so the schema in the repo and the code cannot drift apart.
inline void expect_matches_schema(const nlohmann::json& value, const nlohmann::json& schema, const nlohmann::json& root,
                           const std::string& path) {
  if (schema.contains("$ref")) {
    std::string ref = schema["$ref"].get<std::string>();  // "#/$defs/NAME"
    return expect_matches_schema(value, root["$defs"][ref.substr(ref.rfind('/') + 1)], root, path);
  }
  if (schema.contains("oneOf")) {
    const auto& alternatives = schema["oneOf"];
    return expect_matches_schema(value, value.is_null() ? alternatives[0] : alternatives[1], root, path);
  }
  if (value.is_object() && schema.contains("properties")) {
    for (const auto& key : schema.value("required", nlohmann::json::array()))
      EXPECT_TRUE(value.contains(key.get<std::string>())) << path << " lacks required " << key;
    for (const auto& [key, item] : value.items()) {
      ASSERT_TRUE(schema["properties"].contains(key)) << path << "." << key << " is not in the schema";
      expect_matches_schema(item, schema["properties"][key], root, path + "." + key);
    }
  }
  if (value.is_array() && schema.contains("items"))
    for (size_t i = 0; i < value.size(); ++i) expect_matches_schema(value[i], schema["items"], root, path + "[]");
}

inline void expect_article_schema(const nlohmann::json& article) {
  std::ifstream in(std::string(LINGBI_TEST_SOURCE_DIR) + "/docs/article.schema.json");
  ASSERT_TRUE(in) << "docs/article.schema.json is missing";
  nlohmann::json schema = nlohmann::json::parse(in);
  expect_matches_schema(article, schema, schema, "article");
}

}  // namespace lingbi::test
