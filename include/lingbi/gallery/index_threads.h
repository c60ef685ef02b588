// How indexing shares the machine's threads between decoding pictures and the CLIP encoder.
#pragma once

namespace lingbi {

struct IndexThreads {
  int decoders = 1;        // decoding threads (IndexOptions::threads)
  int encoder = 1;         // threads of the CLIP encoder (load_clip_embedder's n_threads)
  bool take_turns = true;  // decoders pause while a batch is encoded (IndexOptions::take_turns)
};

// The split `lingbi index -t threads --decode-threads decode_threads` uses. threads <= 0: one per
// core. decode_threads <= 0 (the default): decoders and encoder both get all the threads and take
// turns, so every core works whatever decoding and encoding cost relative to each other.
// decode_threads > 0: that many decoders run beside an encoder of the remaining threads (at least 1).
IndexThreads plan_index_threads(int threads, int decode_threads);

}  // namespace lingbi
