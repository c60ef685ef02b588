#include "lingbi/gallery/libraries.h"

#include <faiss/Index.h>
#include <sqlite3.h>

namespace lingbi {

std::string faiss_version() {
  return std::to_string(FAISS_VERSION_MAJOR) + "." + std::to_string(FAISS_VERSION_MINOR) + "." +
         std::to_string(FAISS_VERSION_PATCH);
}

std::string sqlite_version() { return sqlite3_libversion(); }

}  // namespace lingbi
