#include "Yuv.h"

#include <algorithm>
#include <cstddef>
#include <cstring>

namespace azstack::android {

namespace {

inline std::uint8_t clamp255(int value) {
  return static_cast<std::uint8_t>(std::clamp(value, 0, 255));
}

// Copies one plane of `w`×`h` samples, where sample (x, y) of the source is src[y * rowStride + x * pixelStride],
// rotated clockwise by `rotation` into a tightly packed destination.
void rotatePlane(const std::uint8_t* src, int rowStride, int pixelStride, int w, int h, int rotation,
                 std::uint8_t* dst) {
  auto at = [&](int x, int y) {
    return src[static_cast<std::ptrdiff_t>(y) * rowStride + static_cast<std::ptrdiff_t>(x) * pixelStride];
  };
  switch (rotation) {
    case 90:  // destination is h×w; its (dx, dy) comes from source (dy, h-1-dx)
      for (int dy = 0; dy < w; ++dy) {
        for (int dx = 0; dx < h; ++dx) {
          *dst++ = at(dy, h - 1 - dx);
        }
      }
      break;
    case 180:
      for (int dy = 0; dy < h; ++dy) {
        for (int dx = 0; dx < w; ++dx) {
          *dst++ = at(w - 1 - dx, h - 1 - dy);
        }
      }
      break;
    case 270:  // destination is h×w; its (dx, dy) comes from source (w-1-dy, dx)
      for (int dy = 0; dy < w; ++dy) {
        for (int dx = 0; dx < h; ++dx) {
          *dst++ = at(w - 1 - dy, dx);
        }
      }
      break;
    default:
      for (int y = 0; y < h; ++y) {
        if (pixelStride == 1) {
          std::memcpy(dst, src + static_cast<std::ptrdiff_t>(y) * rowStride, static_cast<std::size_t>(w));
          dst += w;
        } else {
          for (int x = 0; x < w; ++x) {
            *dst++ = at(x, y);
          }
        }
      }
      break;
  }
}

}  // namespace

void i420ToRgbx(const I420Buffer& src, std::uint8_t* dst, int dstStride) {
  const std::uint8_t* yPlane = src.y();
  const std::uint8_t* uPlane = src.u();
  const std::uint8_t* vPlane = src.v();
  for (int row = 0; row < src.height; ++row) {
    const std::uint8_t* y = yPlane + static_cast<std::size_t>(row) * src.strideY();
    const std::uint8_t* u = uPlane + static_cast<std::size_t>(row / 2) * src.strideUV();
    const std::uint8_t* v = vPlane + static_cast<std::size_t>(row / 2) * src.strideUV();
    std::uint8_t* out = dst + static_cast<std::size_t>(row) * dstStride * 4;
    for (int col = 0; col < src.width; ++col) {
      // BT.601, limited range, 8.8 fixed point.
      const int c = 298 * (y[col] - 16);
      const int d = u[col / 2] - 128;
      const int e = v[col / 2] - 128;
      out[0] = clamp255((c + 409 * e + 128) >> 8);
      out[1] = clamp255((c - 100 * d - 208 * e + 128) >> 8);
      out[2] = clamp255((c + 516 * d + 128) >> 8);
      out[3] = 0xFF;
      out += 4;
    }
  }
}

void yuv420888ToI420(const Yuv420888& src, int rotation, I420Buffer& out) {
  const bool swap = rotation == 90 || rotation == 270;
  out.width = swap ? src.height : src.width;
  out.height = swap ? src.width : src.height;
  const int cw = src.width / 2;
  const int ch = src.height / 2;
  const std::size_t lumaSize = static_cast<std::size_t>(src.width) * src.height;
  const std::size_t chromaSize = static_cast<std::size_t>(cw) * ch;
  out.data.resize(lumaSize + 2 * chromaSize);
  std::uint8_t* y = out.data.data();
  std::uint8_t* u = y + lumaSize;
  std::uint8_t* v = u + chromaSize;
  rotatePlane(src.y, src.yRowStride, 1, src.width, src.height, rotation, y);
  rotatePlane(src.u, src.uvRowStride, src.uvPixelStride, cw, ch, rotation, u);
  rotatePlane(src.v, src.uvRowStride, src.uvPixelStride, cw, ch, rotation, v);
}

}  // namespace azstack::android
