# lingbi's modules and who may use whom: the one table that both the build (src/CMakeLists.txt)
# and the include check (cmake/CheckIncludes.cmake, run by every build and by ctest) read.
# docs/architecture.md explains the layers.
#
# LINGBI_MODULES lists the modules from the bottom up. For each module M:
#   LINGBI_M_USES      the lingbi modules M may use: only ones listed before M (lower layers).
#                      M links them; those its public headers include, it links PUBLIC.
#   LINGBI_M_EXTERNAL  the third-party libraries M may include and links, by the names below.
# The programs under tools/ are checked too (they sit above every module), under the names
# "tools/lingbi" and "tools/lingbi-dev". Tests and benchmarks may reach into any module.

set(LINGBI_MODULES util hub model clip article gallery render compose publish server)

set(LINGBI_util_USES "")
set(LINGBI_util_EXTERNAL vips xxhash ggml)
set(LINGBI_hub_USES util)
set(LINGBI_hub_EXTERNAL curl)
set(LINGBI_model_USES util)
set(LINGBI_model_EXTERNAL llama ggml curl vips)
set(LINGBI_clip_USES util)
set(LINGBI_clip_EXTERNAL ggml llama_unicode vips sentencepiece)
set(LINGBI_article_USES util)
set(LINGBI_article_EXTERNAL "")
set(LINGBI_gallery_USES util clip)
set(LINGBI_gallery_EXTERNAL faiss sqlite vips)
set(LINGBI_render_USES util article)
set(LINGBI_render_EXTERNAL vips zip)
set(LINGBI_compose_USES util model article gallery)
set(LINGBI_compose_EXTERNAL vips)
set(LINGBI_publish_USES util article render)
set(LINGBI_publish_EXTERNAL curl)
set(LINGBI_server_USES util model article gallery render compose)
set(LINGBI_server_EXTERNAL httplib)

set(LINGBI_PROGRAMS tools/lingbi tools/lingbi-dev)
set(LINGBI_tools/lingbi_USES ${LINGBI_MODULES})
set(LINGBI_tools/lingbi_EXTERNAL cli11)
set(LINGBI_tools/lingbi-dev_USES ${LINGBI_MODULES})
set(LINGBI_tools/lingbi-dev_EXTERNAL cli11 ggml llama vips sentencepiece)

# Third-party libraries: which #include names belong to each (a regular expression), and the
# CMake targets that bring it. nlohmann/json and base64.hpp (llama.cpp's vendor folder, header
# only) are open to every module and not listed.
set(LINGBI_HEADERS_vips "^(vips/.*|glib\\.h)$")
set(LINGBI_TARGETS_vips PkgConfig::VIPS)
set(LINGBI_HEADERS_xxhash "^xxhash\\.h$")
set(LINGBI_TARGETS_xxhash PkgConfig::XXHASH)
set(LINGBI_HEADERS_llama "^(llama|llama-grammar|common|chat|sampling|log|mtmd|mtmd-helper|json-schema-to-grammar)\\.h$")
set(LINGBI_TARGETS_llama llama_cpp)
set(LINGBI_HEADERS_ggml "^(ggml|ggml-[a-z]+|gguf)\\.h$")
set(LINGBI_TARGETS_ggml llama_ggml_headers llama_ggml)
set(LINGBI_HEADERS_llama_unicode "^unicode\\.h$")
set(LINGBI_TARGETS_llama_unicode llama_unicode)
set(LINGBI_HEADERS_curl "^curl/.*$")
set(LINGBI_TARGETS_curl CURL::libcurl)
set(LINGBI_HEADERS_faiss "^faiss/.*$")
set(LINGBI_TARGETS_faiss faiss BLAS::BLAS LAPACK::LAPACK OpenMP::OpenMP_CXX)
set(LINGBI_HEADERS_sqlite "^sqlite3\\.h$")
set(LINGBI_TARGETS_sqlite PkgConfig::SQLITE3)
set(LINGBI_HEADERS_cli11 "^CLI/.*$")
set(LINGBI_TARGETS_cli11 CLI11::CLI11)
set(LINGBI_HEADERS_httplib "^cpp-httplib/httplib\\.h$")
set(LINGBI_TARGETS_httplib llama_httplib)
set(LINGBI_HEADERS_zip "^zip\\.h$")
set(LINGBI_TARGETS_zip PkgConfig::LIBZIP)
set(LINGBI_HEADERS_sentencepiece "^sentencepiece_(processor|trainer)\\.h$")
set(LINGBI_TARGETS_sentencepiece PkgConfig::SENTENCEPIECE)
set(LINGBI_EXTERNALS vips xxhash llama ggml llama_unicode curl faiss sqlite cli11 httplib zip sentencepiece)
