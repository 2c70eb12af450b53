// Argument helpers for the N-API functions: every kernel takes typed arrays (wasm heap views or the cpu
// backend's own arrays) and plain numbers, so one native function serves both backends without copies.
#pragma once
#include <node_api.h>
#include <cstddef>
#include <cstdint>
#include <string>

namespace mila {

struct ArgError {
  std::string message;
};

class Args {
 public:
  Args(napi_env env, napi_callback_info info, size_t expected);
  float* f32(size_t i, size_t* length = nullptr);
  int32_t* i32(size_t i, size_t* length = nullptr);
  uint8_t* u8(size_t i, size_t* length = nullptr);
  // Any typed array: its data, byte length and element size (for kernels that only move bytes).
  void* anyTyped(size_t i, size_t* byteLength, int* elementSize, napi_typedarray_type* type = nullptr);
  // A Float32Array argument that may be null/undefined (optional bias, etc.).
  float* f32OrNull(size_t i, size_t* length = nullptr);
  int64_t int64(size_t i);
  int32_t int32(size_t i) { return static_cast<int32_t>(int64(i)); }
  double number(size_t i);
  bool boolean(size_t i);
  napi_env env() const { return env_; }

 private:
  void* typed(size_t i, napi_typedarray_type want, size_t* length, bool allowNull);
  // Argument i as a typed array (else an ArgError): its data, element type and length.
  void* typedInfo(size_t i, napi_typedarray_type* type, size_t* length);
  napi_env env_;
  napi_value argv_[32];
  size_t argc_ = 32;
};

// An array argument must have exactly `want` elements.
inline void requireLength(size_t got, size_t want, const char* what) {
  if (got != want) throw ArgError{std::string(what) + " has " + std::to_string(got) + " elements, expected " + std::to_string(want)};
}

// Wrap a kernel body: converts ArgError / std::exception into a JS Error (one line) instead of aborting.
napi_value guarded(napi_env env, const char* name, napi_value (*body)(Args&), napi_callback_info info, size_t nargs);

// Register `fn` as exports[name].
void exportFunction(napi_env env, napi_value exports, const char* name, napi_callback fn);

}  // namespace mila

// Defines a JS-callable function `name` whose body gets `Args& a` with `nargs` arguments.
#define MILA_KERNEL(name, nargs)                                                   \
  static napi_value name##_body(mila::Args& a);                                    \
  static napi_value name(napi_env env, napi_callback_info info) {                  \
    return mila::guarded(env, #name, name##_body, info, nargs);                    \
  }                                                                                \
  static napi_value name##_body(mila::Args& a)
