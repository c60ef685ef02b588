#include "chat_request.h"

#include <cstdint>

#include "api.h"
#include "lingbi/render/picture_probe.h"
#include "lingbi/util/path_json.h"

namespace lingbi::server {

using nlohmann::json;

namespace {

// The bytes of a "data:image/...;base64,..." URL at `where`.
std::string data_url_bytes(const json& url, const std::string& where) {
  if (!url.is_string()) throw BadRequest(where + ": expected a string");
  const std::string text = url.get<std::string>();
  if (text.rfind("data:", 0) != 0)
    throw BadRequest(where +
                     ": only data: URLs are accepted (data:image/png;base64,...); this server reads no files "
                     "and fetches no URLs");
  const size_t comma = text.find(',');
  const std::string header = text.substr(5, comma == std::string::npos ? 0 : comma - 5);
  const std::string marker = ";base64";
  if (comma == std::string::npos || header.rfind("image/", 0) != 0 || header.size() < marker.size() ||
      header.compare(header.size() - marker.size(), marker.size(), marker) != 0)
    throw BadRequest(where + ": expected data:image/TYPE;base64,DATA");
  auto bytes = decode_base64(std::string_view(text).substr(comma + 1));
  if (!bytes) throw BadRequest(where + ": the data is not valid base64 (RFC 4648, padded)");
  // Decoded whole here, as an upload is, so that a picture the model could not read is the
  // client's 400 naming it rather than a failed chat.
  std::string why;
  if (!probe_picture(*bytes, UploadStore::kMaxPixels, why)) throw BadRequest(where + ": " + why);
  return std::move(*bytes);
}

Role role_of(const json& m, const std::string& where) {
  const std::string role = string_field(m, "role", true);
  if (role == "system" || role == "developer") return Role::system;
  if (role == "user") return Role::user;
  if (role == "assistant") return Role::assistant;
  throw BadRequest(where +
                   ".role: expected system, developer, user or assistant (tool messages are not supported)");
}

// One entry of a content array.
ContentPart content_part(const json& p, Role role, const std::string& where, bool& has_images) {
  if (!p.is_object()) throw BadRequest(where + ": expected an object");
  const std::string type = string_field(p, "type", true);
  if (type == "text") return ContentPart::of_text(string_field(p, "text", true));
  if (type != "image_url") throw BadRequest(where + ".type: expected text or image_url");
  if (role != Role::user) throw BadRequest(where + ": pictures are accepted in user messages only");
  const auto image = p.find("image_url");
  if (image == p.end() || !image->is_object() || !image->contains("url"))
    throw BadRequest(where + ".image_url: expected {\"url\": \"data:image/...;base64,...\"}");
  has_images = true;
  return ContentPart::of_image_bytes(data_url_bytes((*image)["url"], where + ".image_url.url"));
}

Message message(const json& m, const std::string& where, bool& has_images) {
  if (!m.is_object()) throw BadRequest(where + ": expected an object with role and content");
  Message out;
  out.role = role_of(m, where);
  if (m.contains("tool_calls")) throw BadRequest(where + ".tool_calls: tools are not supported");
  const auto content = m.find("content");
  if (content == m.end() || content->is_null()) throw BadRequest(where + ".content: required");
  if (content->is_string()) {
    out.parts.push_back(ContentPart::of_text(content->get<std::string>()));
  } else if (content->is_array() && !content->empty()) {
    for (size_t j = 0; j < content->size(); ++j)
      out.parts.push_back(
          content_part((*content)[j], out.role, where + ".content[" + std::to_string(j) + "]", has_images));
  } else {
    throw BadRequest(where + ".content: expected a string or a non-empty array of parts");
  }
  return out;
}

std::vector<std::string> stop_strings(const json& body) {
  const auto it = body.find("stop");
  if (it == body.end() || it->is_null()) return {};
  if (it->is_string()) return {it->get<std::string>()};
  if (!it->is_array() || it->size() > 16)
    throw BadRequest("stop: expected a string or an array of at most 16 strings");
  std::vector<std::string> out;
  for (const json& s : *it) {
    if (!s.is_string() || s.get<std::string>().empty()) throw BadRequest("stop: expected non-empty strings");
    out.push_back(s.get<std::string>());
  }
  return out;
}

// response_format as a JSON schema (text); empty for free text.
std::string schema_of(const json& body) {
  const auto it = body.find("response_format");
  if (it == body.end() || it->is_null()) return "";
  if (!it->is_object()) throw BadRequest("response_format: expected an object");
  const std::string type = string_field(*it, "type", true);
  if (type == "text") return "";
  if (type == "json_object") return R"({"type":"object"})";
  if (type != "json_schema")
    throw BadRequest("response_format.type: expected text, json_object or json_schema");
  const auto spec = it->find("json_schema");
  if (spec == it->end() || !spec->is_object() || !spec->contains("schema") || !(*spec)["schema"].is_object())
    throw BadRequest("response_format.json_schema.schema: required, a JSON schema object");
  return (*spec)["schema"].dump();
}

}  // namespace

ChatCall parse_chat_call(const json& body) {
  ChatCall call;
  call.model = string_field(body, "model", false);
  const auto messages = body.find("messages");
  if (messages == body.end() || !messages->is_array() || messages->empty())
    throw BadRequest("messages: expected a non-empty array of messages");
  for (size_t i = 0; i < messages->size(); ++i)
    call.request.messages.push_back(
        message((*messages)[i], "messages[" + std::to_string(i) + "]", call.has_images));

  Sampling& s = call.request.sampling;
  s.temperature = static_cast<float>(number_field(body, "temperature", s.temperature, 0, 2));
  s.top_p = static_cast<float>(number_field(body, "top_p", s.top_p, 0, 1));
  s.top_k = int_field(body, "top_k", false, s.top_k, 0, 1000);
  s.min_p = static_cast<float>(number_field(body, "min_p", s.min_p, 0, 1));
  s.repeat_penalty = static_cast<float>(number_field(body, "repeat_penalty", s.repeat_penalty, 0, 10));
  if (body.contains("seed") && !body["seed"].is_null()) {
    if (!body["seed"].is_number_integer() || body["seed"].get<int64_t>() < 0 ||
        body["seed"].get<int64_t>() > int64_t{UINT32_MAX})
      throw BadRequest("seed: expected an integer from 0 to 4294967295");
    s.seed = body["seed"].get<uint32_t>();
  }
  const int max_tokens = int_field(body, "max_tokens", false, kDefaultChatMaxTokens, 1, 1 << 20);
  s.max_tokens = int_field(body, "max_completion_tokens", false, max_tokens, 1, 1 << 20);
  s.stop = stop_strings(body);
  call.request.json_schema = schema_of(body);

  if (int_field(body, "n", false, 1, 1, 128) != 1) throw BadRequest("n: only 1 choice is supported");
  if (body.contains("tools") && !body["tools"].is_null() && !body["tools"].empty())
    throw BadRequest("tools: tools are not supported");
  if (bool_field(body, "logprobs", false)) throw BadRequest("logprobs: not supported");
  call.stream = bool_field(body, "stream", false);
  if (body.contains("stream_options") && !body["stream_options"].is_null()) {
    if (!body["stream_options"].is_object()) throw BadRequest("stream_options: expected an object");
    const json& options = body["stream_options"];
    const auto usage = options.find("include_usage");
    if (usage != options.end() && !usage->is_null() && !usage->is_boolean())
      throw BadRequest("stream_options.include_usage: expected true or false");
    call.include_usage = usage != options.end() && usage->is_boolean() && usage->get<bool>();
  }
  return call;
}

}  // namespace lingbi::server
