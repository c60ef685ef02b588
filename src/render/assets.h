// Where renderers put the pictures of an output file, and how they link them under a web base.
#pragma once

#include <filesystem>
#include <string>

namespace lingbi::render {

// "NAME_assets": the folder beside the output file NAME.ext that holds its pictures.
std::filesystem::path assets_dir(const std::filesystem::path& out);

// "07-street.jpg": the file name of picture `n` (from 1), named after `source`.
std::string asset_file_name(int n, const std::filesystem::path& source);

// `base` + "/" + `name`, each byte of the name outside A-Z a-z 0-9 - . _ ~ written %XX (UTF-8
// names too, as browsers send them), one slash between however `base` ends.
std::string url_under(const std::string& base, const std::string& name);

}  // namespace lingbi::render
