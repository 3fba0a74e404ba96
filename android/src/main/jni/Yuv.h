// Pixel conversions of the Android glue, plain C++ on the CPU (no libyuv, no GPU):
//  * I420 → RGBX_8888 for the video view's ANativeWindow (BT.601 limited range, the engine's colour space);
//  * Camera2's YUV_420_888 (planar or semi-planar, any row/pixel stride) → upright I420 for the engine.
// At 1280×720 each is a few milliseconds per frame on a current phone; libyuv (NEON) or a GL shader would be the next
// step if profiling asks for it.
#pragma once

#include <cstdint>

#include "LatestFrame.h"

namespace azstack::android {

// Writes `src` into RGBX pixels (bytes R, G, B, 0xFF) with `dstStride` pixels per row; `dst` holds src.height rows.
void i420ToRgbx(const I420Buffer& src, std::uint8_t* dst, int dstStride);

// One YUV_420_888 image as android.media.Image hands it out.
struct Yuv420888 {
  int width = 0;  // even
  int height = 0;
  const std::uint8_t* y = nullptr;
  int yRowStride = 0;
  const std::uint8_t* u = nullptr;
  const std::uint8_t* v = nullptr;
  int uvRowStride = 0;
  int uvPixelStride = 1;  // 1: planar (I420-like), 2: interleaved (NV12/NV21-like)
};

// Copies `src` into `out`, rotated clockwise by `rotation` (0, 90, 180 or 270 degrees) so the image is upright.
void yuv420888ToI420(const Yuv420888& src, int rotation, I420Buffer& out);

}  // namespace azstack::android
