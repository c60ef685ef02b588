#include "lingbi/hub/download.h"

#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <system_error>

#include "curl_easy.h"
#include "lingbi/util/c_handle.h"
#include "lingbi/util/error.h"
#include "lingbi/util/sha256.h"

namespace lingbi {

namespace fs = std::filesystem;

fs::path partial_path(const fs::path& dest) { return fs::path(dest.string() + ".part"); }

namespace {

fs::path etag_path(const fs::path& dest) { return fs::path(dest.string() + ".part.etag"); }

std::string read_small(const fs::path& p) {
  std::ifstream in(p);
  std::string s;
  std::getline(in, s);
  return s;
}

void forget_partial(const fs::path& dest) {
  std::error_code ec;
  fs::remove(partial_path(dest), ec);
  fs::remove(etag_path(dest), ec);
}

struct Sink {
  std::FILE* file = nullptr;
  CURL* easy = nullptr;
  bool asked_range = false, checked = false, failed_write = false;
  int64_t offset = 0, received = 0;
  const std::function<void(int64_t)>* on_bytes = nullptr;
};

size_t on_body(char* data, size_t size, size_t count, void* out) {
  auto* s = static_cast<Sink*>(out);
  const size_t n = size * count;
  if (!s->checked) {
    s->checked = true;
    long status = 0;
    curl_easy_getinfo(s->easy, CURLINFO_RESPONSE_CODE, &status);
    if (status >= 300) return n;  // an error page: not written (the status is checked after)
    if (s->asked_range && status == 200) {  // the server ignored Range: start the file again
      if (std::fflush(s->file) != 0 || ftruncate(fileno(s->file), 0) != 0) return 0;
      std::rewind(s->file);
      s->offset = 0;
    }
  }
  long status = 0;
  curl_easy_getinfo(s->easy, CURLINFO_RESPONSE_CODE, &status);
  if (status >= 300) return n;
  if (std::fwrite(data, 1, n, s->file) != n) {
    s->failed_write = true;
    return 0;
  }
  s->received += static_cast<int64_t>(n);
  if (*s->on_bytes) (*s->on_bytes)(static_cast<int64_t>(n));
  return n;
}

}  // namespace

int64_t partial_bytes(const fs::path& dest, const std::string& etag) {
  std::error_code ec;
  const fs::path part = partial_path(dest);
  if (!fs::exists(part, ec) || read_small(etag_path(dest)) != etag) return 0;
  const auto size = fs::file_size(part, ec);
  return ec ? 0 : static_cast<int64_t>(size);
}

int64_t download_file(const HubLocation& where, const HubFileInfo& info, const fs::path& dest, const std::string& token,
                      const std::string& expected_sha256, const std::function<void(int64_t)>& on_bytes) {
  const std::string what = where.repo + ":" + where.file;
  const fs::path part = partial_path(dest);
  fs::create_directories(dest.parent_path());
  int64_t offset = partial_bytes(dest, info.etag);
  if (info.size >= 0 && offset > info.size) offset = 0;
  if (offset == 0) {
    forget_partial(dest);
    std::ofstream tag(etag_path(dest), std::ios::trunc);
    tag << info.etag << "\n";
    if (!tag.flush()) throw Error("cannot write in the model store " + dest.parent_path().string());
  }

  Sink sink;
  if (info.size < 0 || offset < info.size) {
    CHandle<std::FILE, std::fclose> file(std::fopen(part.c_str(), offset > 0 ? "ab" : "wb"));
    if (!file) throw Error("cannot write " + part.string() + " in the model store");
    hub::Easy easy = hub::new_easy(where.url());
    const std::string range = offset > 0 ? "Range: bytes=" + std::to_string(offset) + "-" : "";
    hub::Slist headers = hub::request_headers(token, range);
    curl_easy_setopt(easy.get(), CURLOPT_HTTPHEADER, headers.get());
    curl_easy_setopt(easy.get(), CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(easy.get(), CURLOPT_MAXREDIRS, 10L);
    sink.file = file.get();
    sink.easy = easy.get();
    sink.asked_range = offset > 0;
    sink.offset = offset;
    sink.on_bytes = &on_bytes;
    curl_easy_setopt(easy.get(), CURLOPT_WRITEFUNCTION, &on_body);
    curl_easy_setopt(easy.get(), CURLOPT_WRITEDATA, &sink);
    char error[CURL_ERROR_SIZE] = {};
    curl_easy_setopt(easy.get(), CURLOPT_ERRORBUFFER, error);
    const CURLcode code = curl_easy_perform(easy.get());
    const bool flushed = std::fflush(file.get()) == 0 && fsync(fileno(file.get())) == 0;
    long status = 0;
    curl_easy_getinfo(easy.get(), CURLINFO_RESPONSE_CODE, &status);
    const int64_t have = sink.offset + sink.received;
    if (sink.failed_write || !flushed)
      throw Error("cannot write " + part.string() + " (is the disk full?); " + std::to_string(have) +
                  " bytes are kept: free some space and run the same command again to resume");
    if (status >= 400) throw Error(what + ": the download answered HTTP " + std::to_string(status) + "; try again later");
    if (code != CURLE_OK)
      throw Error(what + ": the download broke off after " + std::to_string(have) + " of " + std::to_string(info.size) +
                  " bytes (" + (error[0] ? error : curl_easy_strerror(code)) +
                  "); what arrived is kept: run the same command again to resume");
    offset = have;
  }

  std::error_code ec;
  const int64_t size = static_cast<int64_t>(fs::file_size(part, ec));
  if (info.size >= 0 && size != info.size) {
    if (size < info.size)
      throw Error(what + ": the download ended after " + std::to_string(size) + " of " + std::to_string(info.size) +
                  " bytes; what arrived is kept: run the same command again to resume");
    forget_partial(dest);
    throw Error(what + ": received " + std::to_string(size) + " bytes, but the hub says the file has " +
                std::to_string(info.size) + "; nothing was kept");
  }
  const std::string want = !info.sha256.empty() ? info.sha256 : expected_sha256;
  if (!want.empty() || !expected_sha256.empty()) {
    const std::string got = sha256_file_hex(part.string());
    for (const std::string& expected : {info.sha256, expected_sha256}) {
      if (expected.empty() || expected == got) continue;
      forget_partial(dest);
      throw Error(what + ": the downloaded bytes have sha256 " + got + ", but " +
                  (expected == info.sha256 ? "the hub's LFS metadata says " : "the preset says ") + expected +
                  "; nothing was kept. Run the command again; if it fails the same way, the hub or a proxy "
                  "serves wrong content");
    }
  }
  fs::rename(part, dest, ec);
  if (ec) throw Error("cannot move " + part.string() + " into place: " + ec.message());
  fs::remove(etag_path(dest), ec);
  return sink.received;
}

}  // namespace lingbi
