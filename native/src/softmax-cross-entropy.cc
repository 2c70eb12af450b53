// Softmax cross-entropy with an ignore index over rows of logits (mmseg's CrossEntropyLoss on the resized
// logits), forward and backward. The composite of tfjs ops held five logit-sized tensors at once (log-softmax,
// one-hot, products, casts: ~1.6 GB per head for a batch-2 512² UperNet step); this one reads the logits and
// writes one value per row, and the backward pass recomputes the softmax from the logits it saved.
// Reassociation lets GCC vectorise the row max and sum (results depend on the build, not on threads or runs).
#pragma GCC optimize("no-trapping-math", "fp-contract=fast", "associative-math", "no-signed-zeros")
#include <cmath>
#include <cstdint>
#include <string>

#include "fused-kernels.h"
#include "fused-math.h"
#include "napi-args.h"
#include "thread-pool.h"

namespace {

// Rows per parallel chunk: a row is `classes` floats (150 for ADE20K).
constexpr int64_t kRowGrain = 256;

struct RowLse {
  float max;
  float logSum;  // log of sum exp(x - max)
};

MILA_SIMD_CLONES RowLse rowLse(const float* __restrict x, int64_t k) {
  float m = x[0];
  for (int64_t j = 1; j < k; j++) m = x[j] > m ? x[j] : m;
  float s = 0.0f;
  for (int64_t j = 0; j < k; j++) s += mila::expApprox(x[j] - m);
  return {m, std::log(s)};
}

MILA_SIMD_CLONES void rowGrad(const float* __restrict x, float* __restrict dx, int64_t k, float shift, float g) {
  for (int64_t j = 0; j < k; j++) dx[j] = g * mila::expApprox(x[j] - shift);
}

// The logits and labels arguments (0 and 1) with the classes argument: rows, classes, checked to agree.
struct RowsOperand {
  const float* x;
  const int32_t* labels;
  size_t rows;
  int64_t classes;
};

RowsOperand rowsOperand(mila::Args& a, size_t classesArg, const char* name) {
  size_t n, rows;
  const float* x = a.f32(0, &n);
  const int32_t* labels = a.i32(1, &rows);
  const int64_t k = a.int64(classesArg);
  if (k <= 0) throw mila::ArgError{std::string(name) + ": classes must be positive"};
  mila::requireLength(n, rows * static_cast<size_t>(k), name);
  return {x, labels, rows, k};
}

inline bool counted(int32_t label, int64_t k, int32_t ignoreIndex) {
  return label != ignoreIndex && label >= 0 && label < k;
}

// (logits [rows * classes], labels int32 [rows], nll [rows], classes, ignoreIndex): nll = -log softmax(x)[label],
// 0 for ignored rows and labels outside [0, classes) (as the one-hot composite gave).
MILA_KERNEL(softmaxCrossEntropyForward, 5) {
  const auto [x, labels, rows, k] = rowsOperand(a, 3, "softmaxCrossEntropyForward: logits");
  size_t nOut;
  float* nll = a.f32(2, &nOut);
  const int32_t ignoreIndex = a.int32(4);
  mila::requireLength(nOut, rows, "softmaxCrossEntropyForward: nll");
  mila::parallelFor(static_cast<int64_t>(rows), kRowGrain, [&](int64_t b, int64_t e) {
    for (int64_t r = b; r < e; r++) {
      const int32_t l = labels[r];
      if (!counted(l, k, ignoreIndex)) {
        nll[r] = 0.0f;
        continue;
      }
      const float* xr = x + r * k;
      const RowLse st = rowLse(xr, k);
      nll[r] = st.logSum - (xr[l] - st.max);
    }
  });
  return nullptr;
}

// (logits, labels, dNll [rows], dLogits [rows * classes], classes, ignoreIndex): dx = dNll (softmax(x) - onehot(label)).
MILA_KERNEL(softmaxCrossEntropyBackward, 6) {
  const auto [x, labels, rows, k] = rowsOperand(a, 4, "softmaxCrossEntropyBackward: logits");
  size_t nDy, nDx;
  const float* dy = a.f32(2, &nDy);
  float* dx = a.f32(3, &nDx);
  const int32_t ignoreIndex = a.int32(5);
  mila::requireLength(nDy, rows, "softmaxCrossEntropyBackward: dNll");
  mila::requireLength(nDx, rows * static_cast<size_t>(k), "softmaxCrossEntropyBackward: dLogits");
  mila::parallelFor(static_cast<int64_t>(rows), kRowGrain, [&](int64_t b, int64_t e) {
    for (int64_t r = b; r < e; r++) {
      const int32_t l = labels[r];
      const float* xr = x + r * k;
      float* dr = dx + r * k;
      if (!counted(l, k, ignoreIndex)) {
        for (int64_t j = 0; j < k; j++) dr[j] = 0.0f;
        continue;
      }
      const RowLse st = rowLse(xr, k);
      const float g = dy[r];
      rowGrad(xr, dr, k, st.max + st.logSum, g);
      dr[l] -= g;
    }
  });
  return nullptr;
}

}  // namespace

namespace mila {

void registerSoftmaxCrossEntropy(napi_env env, napi_value exports) {
  exportFunction(env, exports, "softmaxCrossEntropyForward", softmaxCrossEntropyForward);
  exportFunction(env, exports, "softmaxCrossEntropyBackward", softmaxCrossEntropyBackward);
}

}  // namespace mila
