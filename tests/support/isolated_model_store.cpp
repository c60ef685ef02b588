// Linked into every test program: the programs a test starts that fall back on the model store
// (issue 16: no -m, no --clip) see an empty store of the build tree, never the user's own
// ~/.cache/lingbi/models. A test that wants a store names one on the command line.
#include <cstdlib>

namespace {

const bool isolated = [] { return setenv("LINGBI_MODELS", LINGBI_TEST_EMPTY_MODEL_STORE, 1) == 0; }();

}  // namespace
