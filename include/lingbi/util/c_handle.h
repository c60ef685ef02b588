// Ownership of a C library's handle by std::unique_ptr: CHandle<sqlite3, sqlite3_close> frees the
// handle with that function when it goes. Every module's handles (llama.cpp, ggml, SQLite,
// libcurl, xxhash, FILE) are owned this way.
#pragma once

#include <memory>

namespace lingbi {

template <auto Free>
struct CFree {
  template <class T>
  void operator()(T* handle) const {
    Free(handle);
  }
};

template <class T, auto Free>
using CHandle = std::unique_ptr<T, CFree<Free>>;

}  // namespace lingbi
