// RemoteModel: any OpenAI-compatible /v1/chat/completions endpoint (llama-server, vLLM, LMDeploy,
// Ollama) through libcurl.
#pragma once

#include <memory>
#include <string>

#include "lingbi/model/model.h"

namespace lingbi {

struct RemoteModelOptions {
  // --endpoint: the server's base URL ("http://127.0.0.1:8080" or ".../v1"); requests go to
  // <base>/v1/chat/completions. A URL already ending in /chat/completions is used as it is.
  std::string endpoint;
  std::string model;              // --api-model: the "model" field; empty: not sent
  std::string api_key;            // --api-key: sent as "Authorization: Bearer <key>"; empty: none
  double connect_timeout_s = 10;  // per attempt
  double read_timeout_s = 300;    // longest silence from the server before giving up
  int retries = 2;                // extra attempts after a connection error or a 5xx
  double backoff_s = 0.5;         // wait before the first retry; doubles for each next one
};

// Streams answers from the server (server-sent events). Sends images as base64 data URLs and a
// JSON schema as response_format {type: json_schema}; the reply is validated against the schema
// here too. Connection errors and 5xx answers are retried (bounded, with backoff) as long as no
// text has been streamed yet; a 4xx fails at once with the server's own message. Token counts and
// timings come from the server's usage/timings fields when it sends them (0 otherwise).
// Thread-safe: each chat() uses its own connection.
class RemoteModel : public ChatModel {
 public:
  // Throws lingbi::Error when the endpoint is not an http(s) URL.
  explicit RemoteModel(RemoteModelOptions options);
  ~RemoteModel() override;

  ChatResult chat(const ChatRequest& request) override;
  std::string describe() const override;

  // The full URL requests are sent to.
  const std::string& url() const { return url_; }

 private:
  RemoteModelOptions options_;
  std::string url_;
};

}  // namespace lingbi
