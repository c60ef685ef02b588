#include "lingbi/gallery/index_threads.h"

#include <algorithm>
#include <thread>

namespace lingbi {

IndexThreads plan_index_threads(int threads, int decode_threads) {
  const int total =
      threads > 0 ? threads : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  IndexThreads t;
  if (decode_threads <= 0) {
    // Taking turns: a fixed split leaves the cheaper side's cores idle (with 1 decoder and 1
    // encoder thread, decoding a 12-megapixel JPEG is cheaper than encoding it at ViT-B/32 size),
    // while running both on all cores at once makes the encoder's threads wait at every barrier
    // for a thread the decoders pushed off its core.
    t.decoders = total;
    t.encoder = total;
    t.take_turns = true;
  } else {
    t.decoders = decode_threads;
    t.encoder = std::max(1, total - decode_threads);
    t.take_turns = false;
  }
  return t;
}

}  // namespace lingbi
