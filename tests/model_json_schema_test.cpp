// The JSON-schema validator on the subset lingbi uses.
#include <gtest/gtest.h>

#include "lingbi/model/json_schema.h"
#include "lingbi/util/error.h"

namespace lingbi {
namespace {

using nlohmann::json;

const json kSchema = json::parse(R"({
  "type": "object",
  "properties": {
    "tags": {"type": "array", "items": {"type": "string", "maxLength": 3, "minLength": 1}, "maxItems": 2, "minItems": 1},
    "count": {"type": "integer", "minimum": 1, "maximum": 9},
    "score": {"type": "number", "exclusiveMaximum": 1},
    "tone": {"enum": ["calm", "bright"]}
  },
  "required": ["tags", "count"],
  "additionalProperties": false
})");

std::string violation(const char* text) { return json_schema_violation(kSchema, json::parse(text)); }

TEST(JsonSchema, AcceptsValidValues) {
  EXPECT_EQ(violation(R"({"tags": ["a", "日本語"], "count": 9})"), "");
  EXPECT_EQ(violation(R"({"tags": ["ab"], "count": 1, "score": 0.5, "tone": "calm"})"), "");
  EXPECT_EQ(violation(R"({"tags": ["ab"], "count": 3.0})"), "");  // an integral number is an integer
}

TEST(JsonSchema, NamesEachViolationAndWhere) {
  EXPECT_EQ(violation(R"([1])"), R"(/: expected "object", found [1])");
  EXPECT_EQ(violation(R"({"tags": ["a"]})"), R"(/: missing required property "count")");
  EXPECT_EQ(violation(R"({"tags": ["a"], "count": 10})"), "/count: 10 is above maximum 9");
  EXPECT_EQ(violation(R"({"tags": ["a"], "count": 0})"), "/count: 0 is below minimum 1");
  EXPECT_EQ(violation(R"({"tags": ["a"], "count": 2.5})"), R"(/count: expected "integer", found 2.5)");
  EXPECT_EQ(violation(R"({"tags": ["a", "abcd"], "count": 2})"), "/tags/1: string longer than maxLength 3");
  EXPECT_EQ(violation(R"({"tags": [""], "count": 2})"), "/tags/0: string shorter than minLength 1");
  EXPECT_EQ(violation(R"({"tags": ["a", "b", "c"], "count": 2})"), "/tags: more than maxItems 2 items");
  EXPECT_EQ(violation(R"({"tags": [], "count": 2})"), "/tags: fewer than minItems 1 items");
  EXPECT_EQ(violation(R"({"tags": ["a"], "count": 2, "x": 1})"), R"(/: unexpected property "x")");
  EXPECT_EQ(violation(R"({"tags": ["a"], "count": 2, "tone": "dark"})"),
            R"(/tone: "dark" is not one of ["calm","bright"])");
  EXPECT_EQ(violation(R"({"tags": ["a"], "count": 2, "score": 1})"), "/score: 1 is not below 1");
}

TEST(JsonSchema, ParseAndValidateThrowsClearErrors) {
  const std::string schema = kSchema.dump();
  EXPECT_EQ(parse_and_validate(schema, R"({"tags": ["a"], "count": 2})")["count"], 2);
  try {
    parse_and_validate(schema, R"({"tags": ["a"], "cou)");
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("not JSON"), std::string::npos) << e.what();
  }
  try {
    parse_and_validate(schema, R"({"tags": ["a"], "count": 20})");
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("/count: 20 is above maximum 9"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace lingbi
