// copyStrided(): one strided box copy that serves every data-movement kernel of the native backend
// (Transpose, Slice, SplitV, Concat, Pad, Tile, Reverse, StridedSlice): the JS side describes the box as
// dims plus source and destination strides (in elements, negative for reversed axes) and offsets.
// tfjs-backend-cpu does these with a JS index computation per element (Transpose of a 78M-element
// logits gradient: seconds), or per-element TensorBuffer.get for slices that are not contiguous.
#include <algorithm>
#include <cstdint>
#include <cstring>
#include <string>

#include "napi-args.h"
#include "tensor-ops.h"
#include "thread-pool.h"

namespace mila {
namespace {

constexpr int kMaxRank = 8;
// Side of the square tiles a transposition is done in: 32 x 4 bytes = two cache lines per tile row.
constexpr int64_t kTile = 32;

struct CopyJob {
  const uint8_t* src;
  uint8_t* dst;
  int rank;
  int64_t dims[kMaxRank];
  int64_t ss[kMaxRank];  // source strides (elements)
  int64_t ds[kMaxRank];  // destination strides (elements)
};

// The multi-index of flat position `index` over dims[0..rank), last dim fastest.
void unflatten(int64_t index, const int64_t* dims, int rank, int64_t* idx) {
  for (int d = rank - 1; d >= 0; d--) {
    idx[d] = index % dims[d];
    index /= dims[d];
  }
}

// Advance a multi-index over dims[0..rank) by one, keeping two running offsets in step.
inline void step(int64_t* idx, const int64_t* dims, int rank, const int64_t* ss, const int64_t* ds, int64_t& so, int64_t& dof) {
  for (int d = rank - 1; d >= 0; d--) {
    idx[d]++;
    so += ss[d];
    dof += ds[d];
    if (idx[d] < dims[d]) return;
    so -= ss[d] * dims[d];
    dof -= ds[d] * dims[d];
    idx[d] = 0;
  }
}

template <typename T>
void copyRows(const CopyJob& j, int64_t r0, int64_t r1) {
  const int outerRank = j.rank - 1;
  const int64_t n = j.dims[j.rank - 1];
  const int64_t s = j.ss[j.rank - 1], t = j.ds[j.rank - 1];
  int64_t idx[kMaxRank];
  unflatten(r0, j.dims, outerRank, idx);
  int64_t so = 0, dof = 0;
  for (int d = 0; d < outerRank; d++) {
    so += idx[d] * j.ss[d];
    dof += idx[d] * j.ds[d];
  }
  const T* src = reinterpret_cast<const T*>(j.src);
  T* dst = reinterpret_cast<T*>(j.dst);
  for (int64_t r = r0; r < r1; r++) {
    const T* a = src + so;
    T* b = dst + dof;
    if (s == 1 && t == 1) {
      std::memcpy(b, a, static_cast<size_t>(n) * sizeof(T));
    } else if (t == 1) {
      for (int64_t i = 0; i < n; i++) b[i] = a[i * s];
    } else {
      for (int64_t i = 0; i < n; i++) b[i * t] = a[i * s];
    }
    step(idx, j.dims, outerRank, j.ss, j.ds, so, dof);
  }
}

// Transposition: the destination's innermost dim reads the source with a large stride, and dim p is
// contiguous in the source. Square tiles over (p, last) keep both sides in cache; tasks are
// (other dims) x (tile rows of p).
template <typename T>
void copyTiles(const CopyJob& j, int p, int64_t t0, int64_t t1) {
  const int last = j.rank - 1;
  const int64_t np = j.dims[p], nl = j.dims[last];
  const int64_t tilesP = (np + kTile - 1) / kTile;
  // The other dims, in order, for the outer index.
  int64_t odims[kMaxRank], oss[kMaxRank], ods[kMaxRank];
  int orank = 0;
  for (int d = 0; d < last; d++) {
    if (d == p) continue;
    odims[orank] = j.dims[d];
    oss[orank] = j.ss[d];
    ods[orank] = j.ds[d];
    orank++;
  }
  const T* src = reinterpret_cast<const T*>(j.src);
  T* dst = reinterpret_cast<T*>(j.dst);
  const int64_t sp = j.ss[p], dp = j.ds[p], sl = j.ss[last], dl = j.ds[last];
  int64_t idx[kMaxRank];
  for (int64_t task = t0; task < t1; task++) {
    const int64_t outer = task / tilesP, tp = task % tilesP;
    unflatten(outer, odims, orank, idx);
    int64_t so = 0, dof = 0;
    for (int d = 0; d < orank; d++) {
      so += idx[d] * oss[d];
      dof += idx[d] * ods[d];
    }
    const int64_t p0 = tp * kTile, p1 = std::min(np, p0 + kTile);
    for (int64_t l0 = 0; l0 < nl; l0 += kTile) {
      const int64_t l1 = std::min(nl, l0 + kTile);
      for (int64_t i = p0; i < p1; i++) {
        const T* a = src + so + i * sp;
        T* b = dst + dof + i * dp;
        for (int64_t l = l0; l < l1; l++) b[l * dl] = a[l * sl];
      }
    }
  }
}

template <typename T>
void run(const CopyJob& j) {
  if (j.rank == 0) {
    std::memcpy(j.dst, j.src, sizeof(T));
    return;
  }
  const int last = j.rank - 1;
  int64_t total = 1;
  for (int d = 0; d < j.rank; d++) total *= j.dims[d];
  if (total == 0) return;
  // A transposition: the innermost destination dim strides through the source, and another dim is
  // contiguous there. Only worth tiling when the innermost dim is long enough to fill a tile.
  int p = -1;
  if (j.ss[last] != 1 && j.ds[last] == 1 && j.dims[last] >= 8) {
    for (int d = 0; d < last; d++)
      if (j.ss[d] == 1 && j.dims[d] >= 8) p = d;
  }
  if (p >= 0) {
    const int64_t tilesP = (j.dims[p] + kTile - 1) / kTile;
    const int64_t tasks = total / (j.dims[p] * j.dims[last]) * tilesP;
    const int64_t perTask = total / tasks;
    parallelFor(tasks, std::max<int64_t>(1, (1 << 16) / std::max<int64_t>(1, perTask)), [&](int64_t b, int64_t e) { copyTiles<T>(j, p, b, e); });
    return;
  }
  const int64_t rows = total / j.dims[last];
  const int64_t grain = std::max<int64_t>(1, (1 << 16) / j.dims[last]);
  parallelFor(rows, grain, [&](int64_t b, int64_t e) { copyRows<T>(j, b, e); });
}

// Smallest and largest element offsets a box reaches (strides may be negative).
void reach(const int64_t* dims, const int64_t* strides, int rank, int64_t offset, int64_t* lo, int64_t* hi) {
  *lo = *hi = offset;
  for (int d = 0; d < rank; d++) {
    const int64_t span = (dims[d] - 1) * strides[d];
    if (span < 0) *lo += span;
    else *hi += span;
  }
}

// copyStrided(src, dst, dims: Int32Array, srcStrides: Int32Array, dstStrides: Int32Array, srcOffset, dstOffset):
// dst[dstOffset + sum i_d dstStrides[d]] = src[srcOffset + sum i_d srcStrides[d]] over the box `dims`.
// src and dst are typed arrays of one element size (1, 2, 4 or 8 bytes); they must not overlap.
MILA_KERNEL(copyStrided, 7) {
  size_t srcBytes, dstBytes;
  int srcElem, dstElem;
  CopyJob j;
  j.src = static_cast<const uint8_t*>(a.anyTyped(0, &srcBytes, &srcElem));
  j.dst = static_cast<uint8_t*>(a.anyTyped(1, &dstBytes, &dstElem));
  if (srcElem != dstElem) throw ArgError{"src and dst have different element sizes"};
  size_t rank, rs, rd;
  const int32_t* dims = a.i32(2, &rank);
  const int32_t* ss = a.i32(3, &rs);
  const int32_t* ds = a.i32(4, &rd);
  if (rank > kMaxRank) throw ArgError{"rank " + std::to_string(rank) + " above " + std::to_string(kMaxRank)};
  requireLength(rs, rank, "srcStrides");
  requireLength(rd, rank, "dstStrides");
  j.rank = static_cast<int>(rank);
  for (size_t d = 0; d < rank; d++) {
    if (dims[d] < 0) throw ArgError{"negative dim"};
    j.dims[d] = dims[d];
    j.ss[d] = ss[d];
    j.ds[d] = ds[d];
  }
  const int64_t srcOffset = a.int64(5), dstOffset = a.int64(6);
  int64_t total = 1;
  for (int d = 0; d < j.rank; d++) total *= j.dims[d];
  if (total == 0) return nullptr;
  int64_t lo, hi;
  reach(j.dims, j.ss, j.rank, srcOffset, &lo, &hi);
  if (lo < 0 || hi >= static_cast<int64_t>(srcBytes / srcElem)) throw ArgError{"source box outside the source array"};
  reach(j.dims, j.ds, j.rank, dstOffset, &lo, &hi);
  if (lo < 0 || hi >= static_cast<int64_t>(dstBytes / dstElem)) throw ArgError{"destination box outside the destination array"};
  j.src += srcOffset * srcElem;
  j.dst += dstOffset * dstElem;
  switch (srcElem) {
    case 1: run<uint8_t>(j); break;
    case 2: run<uint16_t>(j); break;
    case 4: run<uint32_t>(j); break;
    case 8: run<uint64_t>(j); break;
    default: throw ArgError{"unsupported element size " + std::to_string(srcElem)};
  }
  return nullptr;
}

}  // namespace

void registerTensorCopy(napi_env env, napi_value exports) { exportFunction(env, exports, "copyStrided", copyStrided); }

}  // namespace mila
