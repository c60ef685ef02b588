// An OpenAI chat-completions request body read into lingbi's ChatRequest: messages with text and
// pictures given as data: URLs, sampling, stop strings and response_format. Internal to src/server.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "lingbi/model/model.h"

namespace lingbi::server {

struct ChatCall {
  ChatRequest request;         // messages, sampling and json_schema; on_text and cancel unset
  std::string model;           // the "model" field; empty when absent
  bool stream = false;         // answer as chat.completion.chunk server-sent events
  bool include_usage = false;  // stream_options.include_usage: a last chunk with the usage
  bool has_images = false;
};

// Tokens a chat may generate when the request names no max_tokens.
constexpr int kDefaultChatMaxTokens = 4096;

// Reads a request body. Throws BadRequest naming the field ("messages[1].content[0].image_url.url:
// ...") for anything it does not accept: a picture that is not a base64 data: URL (no file is read
// and nothing is fetched), roles or part types it does not know, tools, n other than 1, values out
// of range. Fields lingbi has no use for (user, frequency_penalty, ...) are ignored.
ChatCall parse_chat_call(const nlohmann::json& body);

}  // namespace lingbi::server
