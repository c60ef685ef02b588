// The files of a repository on a Hugging Face-compatible hub, from its model API.
#pragma once

#include <string>
#include <vector>

namespace lingbi {

// The paths of every file in `repo` at `revision`: GET {endpoint}/api/models/{repo}/revision/{revision},
// whose `siblings` hold one `rfilename` each. Throws lingbi::Error naming the repository when it
// does not exist (or is private or gated) or the hub cannot be reached.
std::vector<std::string> hub_list_files(const std::string& endpoint, const std::string& repo,
                                        const std::string& revision, const std::string& token);

}  // namespace lingbi
