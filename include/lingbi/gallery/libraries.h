// Versions of the libraries the gallery stores its data with, for `lingbi system-info`.
#pragma once

#include <string>

namespace lingbi {

std::string faiss_version();   // "MAJOR.MINOR.PATCH" of the FAISS headers built against
std::string sqlite_version();  // the SQLite library in use

}  // namespace lingbi
