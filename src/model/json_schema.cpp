#include "lingbi/model/json_schema.h"

#include "lingbi/util/error.h"

namespace lingbi {

namespace {

using nlohmann::json;

size_t code_points(const std::string& s) {
  size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

bool has_type(const json& v, const std::string& t) {
  if (t == "object") return v.is_object();
  if (t == "array") return v.is_array();
  if (t == "string") return v.is_string();
  if (t == "integer")
    return v.is_number_integer() ||
           (v.is_number_float() &&
            v.get<double>() == static_cast<double>(static_cast<long long>(v.get<double>())));
  if (t == "number") return v.is_number();
  if (t == "boolean") return v.is_boolean();
  if (t == "null") return v.is_null();
  return true;  // unknown type names are not ours to judge
}

std::string check(const json& schema, const json& v, const std::string& at) {
  if (!schema.is_object()) return "";
  const std::string where = at.empty() ? "/" : at;
  if (schema.contains("type")) {
    const json& t = schema["type"];
    bool ok = false;
    if (t.is_string())
      ok = has_type(v, t.get<std::string>());
    else if (t.is_array())
      for (const auto& x : t) ok = ok || (x.is_string() && has_type(v, x.get<std::string>()));
    else
      ok = true;
    if (!ok) return where + ": expected " + t.dump() + ", found " + v.dump();
  }
  if (schema.contains("enum") && schema["enum"].is_array()) {
    bool found = false;
    for (const auto& e : schema["enum"]) found = found || e == v;
    if (!found) return where + ": " + v.dump() + " is not one of " + schema["enum"].dump();
  }
  if (schema.contains("const") && schema["const"] != v) return where + ": expected " + schema["const"].dump();
  if (v.is_number()) {
    const double x = v.get<double>();
    auto num = [&](const char* k, double& out) {
      if (!schema.contains(k) || !schema[k].is_number()) return false;
      out = schema[k].get<double>();
      return true;
    };
    double b = 0;
    if (num("minimum", b) && x < b)
      return where + ": " + v.dump() + " is below minimum " + schema["minimum"].dump();
    if (num("maximum", b) && x > b)
      return where + ": " + v.dump() + " is above maximum " + schema["maximum"].dump();
    if (num("exclusiveMinimum", b) && x <= b)
      return where + ": " + v.dump() + " is not above " + schema["exclusiveMinimum"].dump();
    if (num("exclusiveMaximum", b) && x >= b)
      return where + ": " + v.dump() + " is not below " + schema["exclusiveMaximum"].dump();
  }
  if (v.is_string()) {
    const size_t n = code_points(v.get<std::string>());
    if (schema.contains("minLength") && n < schema["minLength"].get<size_t>())
      return where + ": string shorter than minLength " + schema["minLength"].dump();
    if (schema.contains("maxLength") && n > schema["maxLength"].get<size_t>())
      return where + ": string longer than maxLength " + schema["maxLength"].dump();
  }
  if (v.is_array()) {
    if (schema.contains("minItems") && v.size() < schema["minItems"].get<size_t>())
      return where + ": fewer than minItems " + schema["minItems"].dump() + " items";
    if (schema.contains("maxItems") && v.size() > schema["maxItems"].get<size_t>())
      return where + ": more than maxItems " + schema["maxItems"].dump() + " items";
    if (schema.contains("items")) {
      for (size_t i = 0; i < v.size(); ++i) {
        std::string e = check(schema["items"], v[i], at + "/" + std::to_string(i));
        if (!e.empty()) return e;
      }
    }
  }
  if (v.is_object()) {
    if (schema.contains("required") && schema["required"].is_array()) {
      for (const auto& r : schema["required"]) {
        if (r.is_string() && !v.contains(r.get<std::string>()))
          return where + ": missing required property " + r.dump();
      }
    }
    const json props = schema.value("properties", json::object());
    for (const auto& [k, x] : v.items()) {
      if (props.contains(k)) {
        std::string e = check(props[k], x, at + "/" + k);
        if (!e.empty()) return e;
      } else if (schema.contains("additionalProperties") && schema["additionalProperties"] == false) {
        return where + ": unexpected property \"" + k + "\"";
      }
    }
  }
  return "";
}

}  // namespace

std::string json_schema_violation(const nlohmann::json& schema, const nlohmann::json& value) {
  return check(schema, value, "");
}

nlohmann::json parse_and_validate(const std::string& schema_text, const std::string& text) {
  nlohmann::json schema, value;
  try {
    schema = nlohmann::json::parse(schema_text);
  } catch (const std::exception& e) {
    throw Error(std::string("the JSON schema does not parse: ") + e.what());
  }
  try {
    value = nlohmann::json::parse(text);
  } catch (const std::exception& e) {
    throw Error("the model's reply is not JSON although a schema was requested: " + std::string(e.what()) +
                "; reply was: " + text.substr(0, 200));
  }
  const std::string violation = json_schema_violation(schema, value);
  if (!violation.empty()) {
    throw Error("the model's reply does not satisfy the JSON schema: " + violation +
                "; reply was: " + text.substr(0, 200));
  }
  return value;
}

}  // namespace lingbi
