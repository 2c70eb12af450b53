#include "napi-args.h"

#include <exception>

namespace mila {

Args::Args(napi_env env, napi_callback_info info, size_t expected) : env_(env) {
  if (napi_get_cb_info(env, info, &argc_, argv_, nullptr, nullptr) != napi_ok) throw ArgError{"cannot read arguments"};
  if (argc_ < expected) throw ArgError{"expected " + std::to_string(expected) + " arguments, got " + std::to_string(argc_)};
}

void* Args::typedInfo(size_t i, napi_typedarray_type* type, size_t* length) {
  bool isTyped = false;
  napi_is_typedarray(env_, argv_[i], &isTyped);
  if (!isTyped) throw ArgError{"argument " + std::to_string(i) + " is not a typed array"};
  void* data;
  napi_value buffer;
  size_t offset;
  napi_get_typedarray_info(env_, argv_[i], type, length, &data, &buffer, &offset);
  return data;
}

void* Args::typed(size_t i, napi_typedarray_type want, size_t* length, bool allowNull) {
  napi_valuetype vt;
  napi_typeof(env_, argv_[i], &vt);
  if (allowNull && (vt == napi_null || vt == napi_undefined)) {
    if (length) *length = 0;
    return nullptr;
  }
  napi_typedarray_type type;
  size_t len;
  void* data = typedInfo(i, &type, &len);
  if (type != want) throw ArgError{"argument " + std::to_string(i) + " has the wrong element type"};
  if (length) *length = len;
  return data;
}

float* Args::f32(size_t i, size_t* length) { return static_cast<float*>(typed(i, napi_float32_array, length, false)); }
float* Args::f32OrNull(size_t i, size_t* length) { return static_cast<float*>(typed(i, napi_float32_array, length, true)); }
int32_t* Args::i32(size_t i, size_t* length) { return static_cast<int32_t*>(typed(i, napi_int32_array, length, false)); }

uint8_t* Args::u8(size_t i, size_t* length) { return static_cast<uint8_t*>(typed(i, napi_uint8_array, length, false)); }

void* Args::anyTyped(size_t i, size_t* byteLength, int* elementSize, napi_typedarray_type* typeOut) {
  napi_typedarray_type type;
  size_t len;
  void* data = typedInfo(i, &type, &len);
  switch (type) {
    case napi_int8_array: case napi_uint8_array: case napi_uint8_clamped_array: *elementSize = 1; break;
    case napi_int16_array: case napi_uint16_array: *elementSize = 2; break;
    case napi_int32_array: case napi_uint32_array: case napi_float32_array: *elementSize = 4; break;
    default: *elementSize = 8;
  }
  *byteLength = len * static_cast<size_t>(*elementSize);
  if (typeOut) *typeOut = type;
  return data;
}

double Args::number(size_t i) {
  double v;
  if (napi_get_value_double(env_, argv_[i], &v) != napi_ok) throw ArgError{"argument " + std::to_string(i) + " is not a number"};
  return v;
}

int64_t Args::int64(size_t i) {
  int64_t v;
  if (napi_get_value_int64(env_, argv_[i], &v) != napi_ok) throw ArgError{"argument " + std::to_string(i) + " is not an integer"};
  return v;
}

bool Args::boolean(size_t i) {
  bool v;
  if (napi_get_value_bool(env_, argv_[i], &v) != napi_ok) throw ArgError{"argument " + std::to_string(i) + " is not a boolean"};
  return v;
}

napi_value guarded(napi_env env, const char* name, napi_value (*body)(Args&), napi_callback_info info, size_t nargs) {
  try {
    Args a(env, info, nargs);
    return body(a);
  } catch (const ArgError& e) {
    napi_throw_error(env, nullptr, (std::string("mila_native.") + name + ": " + e.message).c_str());
  } catch (const std::exception& e) {
    napi_throw_error(env, nullptr, (std::string("mila_native.") + name + ": " + e.what()).c_str());
  }
  return nullptr;
}

void exportFunction(napi_env env, napi_value exports, const char* name, napi_callback fn) {
  napi_value f;
  napi_create_function(env, name, NAPI_AUTO_LENGTH, fn, nullptr, &f);
  napi_set_named_property(env, exports, name, f);
}

}  // namespace mila
