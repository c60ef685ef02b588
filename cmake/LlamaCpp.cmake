# llama.cpp (ggml, llama, mtmd, common, llama-server) is built once by scripts/setup into a cache
# outside the clone, as static libraries; this file makes imported targets of that build.
#   LINGBI_LLAMA_CPP_SRC    the llama.cpp source tree
#   LINGBI_LLAMA_CPP_BUILD  its build tree
set(LINGBI_LLAMA_CPP_SRC "" CACHE PATH "llama.cpp source tree (scripts/setup sets it)")
set(LINGBI_LLAMA_CPP_BUILD "" CACHE PATH "llama.cpp build tree (scripts/setup sets it)")
if(NOT EXISTS "${LINGBI_LLAMA_CPP_SRC}/include/llama.h")
  message(FATAL_ERROR "LINGBI_LLAMA_CPP_SRC='${LINGBI_LLAMA_CPP_SRC}' is not a llama.cpp source tree: run ./scripts/setup, which fetches and builds llama.cpp and passes both paths")
endif()
if(NOT EXISTS "${LINGBI_LLAMA_CPP_BUILD}/CMakeCache.txt")
  message(FATAL_ERROR "LINGBI_LLAMA_CPP_BUILD='${LINGBI_LLAMA_CPP_BUILD}' is not a llama.cpp build tree: run ./scripts/setup")
endif()

execute_process(COMMAND git -C "${LINGBI_LLAMA_CPP_SRC}" rev-parse HEAD
  OUTPUT_VARIABLE LINGBI_LLAMA_CPP_COMMIT OUTPUT_STRIP_TRAILING_WHITESPACE
  RESULT_VARIABLE _llama_git_rc ERROR_QUIET)
if(NOT _llama_git_rc EQUAL 0)
  set(LINGBI_LLAMA_CPP_COMMIT "unknown")
endif()
message(STATUS "llama.cpp: ${LINGBI_LLAMA_CPP_SRC} at ${LINGBI_LLAMA_CPP_COMMIT}")

# name -> path of the static library inside the build tree
function(lingbi_llama_lib target file)
  set(path "${LINGBI_LLAMA_CPP_BUILD}/${file}")
  if(NOT EXISTS "${path}")
    message(FATAL_ERROR "llama.cpp library ${path} is missing: run ./scripts/setup to build llama.cpp")
  endif()
  add_library(${target} STATIC IMPORTED GLOBAL)
  set_target_properties(${target} PROPERTIES IMPORTED_LOCATION "${path}")
  if(ARGN)
    set_target_properties(${target} PROPERTIES INTERFACE_LINK_LIBRARIES "${ARGN}")
  endif()
endfunction()

lingbi_llama_lib(llama_ggml_base ggml/src/libggml-base.a Threads::Threads m OpenMP::OpenMP_CXX)
lingbi_llama_lib(llama_ggml_cpu ggml/src/libggml-cpu.a llama_ggml_base OpenMP::OpenMP_CXX)
lingbi_llama_lib(llama_ggml ggml/src/libggml.a llama_ggml_cpu llama_ggml_base ${CMAKE_DL_LIBS})
lingbi_llama_lib(llama_llama src/libllama.a llama_ggml)
lingbi_llama_lib(llama_httplib vendor/cpp-httplib/libcpp-httplib.a Threads::Threads)
# lingbi's server includes it as <cpp-httplib/httplib.h>, as llama-server does.
set_target_properties(llama_httplib PROPERTIES INTERFACE_INCLUDE_DIRECTORIES "${LINGBI_LLAMA_CPP_SRC}/vendor")
lingbi_llama_lib(llama_common_base common/libllama-common-base.a)
lingbi_llama_lib(llama_common common/libllama-common.a llama_common_base llama_httplib llama_llama)
# mtmd-helper hashes images with vendor/hash (sha256).
lingbi_llama_lib(llama_vendor_hash vendor/hash/libvendor-hash.a)
lingbi_llama_lib(llama_mtmd tools/mtmd/libmtmd.a llama_llama llama_vendor_hash)

# Targets for lingbi's modules, each bringing only the headers it names (cmake/Modules.cmake says
# which module may use which). llama.cpp's vendored nlohmann/json comes first on every include
# path, so that every translation unit of lingbi uses the same JSON library as common/ (no two
# versions in one binary); common/'s header-only base64.hpp comes alone, through a folder that
# holds only a link to it.
set(_base64_view "${CMAKE_BINARY_DIR}/include-view/llama-base64")
file(MAKE_DIRECTORY "${_base64_view}")
file(CREATE_LINK "${LINGBI_LLAMA_CPP_SRC}/common/base64.hpp" "${_base64_view}/base64.hpp" SYMBOLIC)
add_library(llama_vendor INTERFACE)
target_include_directories(llama_vendor SYSTEM INTERFACE "${LINGBI_LLAMA_CPP_SRC}/vendor" "${_base64_view}")
# ggml and gguf alone (clip, the tiny-model writers).
add_library(llama_ggml_headers INTERFACE)
target_include_directories(llama_ggml_headers SYSTEM INTERFACE "${LINGBI_LLAMA_CPP_SRC}/ggml/include")
# llama.cpp's Unicode tables (src/unicode.h, compiled into libllama), for the CLIP tokenizer.
add_library(llama_unicode INTERFACE)
target_include_directories(llama_unicode SYSTEM INTERFACE "${LINGBI_LLAMA_CPP_SRC}/src")
target_link_libraries(llama_unicode INTERFACE llama_llama llama_ggml_headers)
# llama.cpp's grammar internals (src/llama-grammar.h, the header its own grammar tests use) come
# alone, through a folder that holds only a link to it: the model module's grammar filter reads
# the grammar's rules and stacks (src/model/grammar_filter.h).
set(_grammar_view "${CMAKE_BINARY_DIR}/include-view/llama-grammar")
file(MAKE_DIRECTORY "${_grammar_view}")
file(CREATE_LINK "${LINGBI_LLAMA_CPP_SRC}/src/llama-grammar.h" "${_grammar_view}/llama-grammar.h" SYMBOLIC)
# Everything: llama, ggml, mtmd and common (the model module).
add_library(llama_cpp INTERFACE)
target_include_directories(llama_cpp SYSTEM INTERFACE
  "${_grammar_view}"
  "${LINGBI_LLAMA_CPP_SRC}/vendor"
  "${LINGBI_LLAMA_CPP_SRC}/include"
  "${LINGBI_LLAMA_CPP_SRC}/ggml/include"
  "${LINGBI_LLAMA_CPP_SRC}/common"
  "${LINGBI_LLAMA_CPP_SRC}/tools/mtmd")
target_link_libraries(llama_cpp INTERFACE llama_mtmd llama_common llama_llama llama_ggml)

# The pinned llama-server next to lingbi's binaries: tests start it, users may find it handy.
set(_server_src "${LINGBI_LLAMA_CPP_BUILD}/bin/llama-server")
set(_server_dst "${CMAKE_BINARY_DIR}/bin/llama-server")
add_custom_command(OUTPUT "${_server_dst}"
  COMMAND ${CMAKE_COMMAND} -E copy "${_server_src}" "${_server_dst}"
  DEPENDS "${_server_src}"
  COMMENT "Copying llama-server from the llama.cpp build")
add_custom_target(llama_server_copy ALL DEPENDS "${_server_dst}")
