// How a picture looks, as the gallery measures it for every image at indexing time; compose
// matches it to the tone a slot asks for (lingbi/compose/tone.h).
#pragma once

namespace lingbi {

struct Appearance {
  float luminance = 0;      // mean Rec. 709 luma of the sRGB values, 0..1
  float saturation = 0;     // mean HSV saturation, 0..1
  float colourfulness = 0;  // Hasler and Suesstrunk (2003) on 0..255 values: about 0 for grey,
                            // 82 "highly", 109 "extremely" colourful
};

}  // namespace lingbi
