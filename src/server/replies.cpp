// JSON replies and request bodies, alike for every route.
#include "api.h"

namespace lingbi::server {

using nlohmann::json;

void send_json(httplib::Response& res, int status, const json& body) {
  res.status = status;
  res.set_content(body.dump(), "application/json; charset=utf-8");
}

void send_error(httplib::Response& res, int status, const std::string& type, const std::string& message) {
  send_json(res, status, {{"error", {{"type", type}, {"message", message}}}});
}

json json_body(const httplib::Request& req) {
  json body;
  try {
    body = json::parse(req.body);
  } catch (const json::exception& e) {
    throw BadRequest(std::string("the body is not valid JSON: ") + e.what());
  }
  if (!body.is_object()) throw BadRequest("the body must be a JSON object");
  return body;
}

std::string string_field(const json& body, const char* name, bool required, const std::string& fallback) {
  const auto it = body.find(name);
  if (it == body.end() || it->is_null()) {
    if (required) throw BadRequest(std::string(name) + ": required");
    return fallback;
  }
  if (!it->is_string()) throw BadRequest(std::string(name) + ": expected a string");
  return it->get<std::string>();
}

int int_field(const json& body, const char* name, bool required, int fallback, int min, int max) {
  const auto it = body.find(name);
  if (it == body.end() || it->is_null()) {
    if (required) throw BadRequest(std::string(name) + ": required");
    return fallback;
  }
  if (!it->is_number_integer()) throw BadRequest(std::string(name) + ": expected an integer");
  const int64_t v = it->get<int64_t>();
  if (v < min || v > max)
    throw BadRequest(std::string(name) + ": must be from " + std::to_string(min) + " to " +
                     std::to_string(max));
  return static_cast<int>(v);
}

double number_field(const json& body, const char* name, double fallback, double min, double max) {
  const auto it = body.find(name);
  if (it == body.end() || it->is_null()) return fallback;
  if (!it->is_number()) throw BadRequest(std::string(name) + ": expected a number");
  const double v = it->get<double>();
  if (!(v >= min && v <= max))
    throw BadRequest(std::string(name) + ": must be from " + json(min).dump() + " to " + json(max).dump());
  return v;
}

bool bool_field(const json& body, const char* name, bool fallback) {
  const auto it = body.find(name);
  if (it == body.end() || it->is_null()) return fallback;
  if (!it->is_boolean()) throw BadRequest(std::string(name) + ": expected true or false");
  return it->get<bool>();
}

int int_param(const httplib::Request& req, const char* name, int fallback, int min, int max) {
  if (!req.has_param(name)) return fallback;
  const std::string text = req.get_param_value(name);
  size_t used = 0;
  long long v = min - 1LL;
  try {
    v = std::stoll(text, &used);
  } catch (const std::exception&) {
  }
  if (used != text.size() || v < min || v > max)
    throw BadRequest(std::string(name) + ": must be a whole number from " + std::to_string(min) + " to " +
                     std::to_string(max));
  return static_cast<int>(v);
}

}  // namespace lingbi::server
