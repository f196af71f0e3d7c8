/*
 * N-API bindings: crc64nvme(data, previous?), crc32c(data, previous?), crc64nvmeCombine,
 * crc32Combine, crc32cCombine, `implementation` and `crc32cImplementation`. The checksum calls read
 * the caller's bytes in place (no copy) and allocate only the returned BigInt or number.
 */
#include <stdbool.h>
#include <stdlib.h>

#include <node_api.h>

#include "crc32c.h"
#include "crc64.h"

#define ALL_ONES_64 0xFFFFFFFFFFFFFFFFull
/* Reflected CRC-32 (ISO-HDLC, zlib's) polynomial; CRC-32C's is in crc32c.h. */
#define CRC32_REFLECTED_POLY 0xEDB88320ull
#define MAX_SAFE_INTEGER 9007199254740991.0

crc_field crc64nvme_field;
static crc_field crc32_field;
crc_field crc32c_field;

typedef uint64_t (*crc64_kernel)(uint64_t state, const uint8_t *data, size_t length_bytes);
static crc64_kernel kernel = crc64_table_update;
static const char *implementation = "table";

typedef uint32_t (*crc32c_kernel_fn)(uint32_t state, const uint8_t *data, size_t length_bytes);
static crc32c_kernel_fn crc32c_kernel = crc32c_table_update;
static const char *crc32c_implementation = "table";

/* Runs once when the shared object is loaded, before any thread can call in, so the tables
   and constants are read-only afterwards (safe across worker threads). */
__attribute__((constructor)) static void initialize(void) {
  crc_field_init(&crc64nvme_field, 64, CRC64NVME_REFLECTED_POLY);
  crc_field_init(&crc32_field, 32, CRC32_REFLECTED_POLY);
  crc_field_init(&crc32c_field, 32, CRC32C_REFLECTED_POLY);
  crc64_table_init();
  crc32c_table_init();
  /* CAIRN_CRC64NVME_FORCE_TABLE=1 pins the portable kernels (both CRCs), so tests can cover them
     on any CPU. */
  const char *force_table = getenv("CAIRN_CRC64NVME_FORCE_TABLE");
  bool forced = force_table != NULL && force_table[0] != '\0' && force_table[0] != '0';
  (void)forced;
#ifdef CRC64_HAVE_PCLMUL_KERNEL
  if (!forced && crc64_pclmul_supported()) {
    crc64_pclmul_init();
    kernel = crc64_pclmul_update;
    implementation = "pclmul";
  }
#endif
#ifdef CRC32C_HAVE_SSE42_KERNEL
  if (!forced && crc32c_sse42_supported()) {
    crc32c_sse42_init();
    crc32c_kernel = crc32c_sse42_update;
    crc32c_implementation = "sse42";
  }
#endif
}

/* Returns NULL with a pending JS exception on failure, so callers just `return NULL`. */
#define CHECK(env, call)                                       \
  do {                                                         \
    if ((call) != napi_ok) {                                   \
      bool pending;                                            \
      napi_is_exception_pending((env), &pending);              \
      if (!pending) napi_throw_error((env), NULL, #call " failed"); \
      return NULL;                                             \
    }                                                          \
  } while (0)

static size_t element_size_bytes(napi_typedarray_type type) {
  switch (type) {
    case napi_int8_array: case napi_uint8_array: case napi_uint8_clamped_array: return 1;
    case napi_int16_array: case napi_uint16_array: return 2;
    case napi_int32_array: case napi_uint32_array: case napi_float32_array: return 4;
    default: return 8; /* float64, bigint64, biguint64 */
  }
}

/* Any TypedArray (Buffer included) or DataView, as raw bytes. False with a TypeError thrown otherwise. */
static bool get_bytes(napi_env env, napi_value value, const uint8_t **data, size_t *length_bytes) {
  bool is_typedarray = false, is_dataview = false;
  void *pointer = NULL;
  if (napi_is_typedarray(env, value, &is_typedarray) == napi_ok && is_typedarray) {
    napi_typedarray_type type;
    size_t element_count;
    if (napi_get_typedarray_info(env, value, &type, &element_count, &pointer, NULL, NULL) != napi_ok) {
      napi_throw_error(env, NULL, "could not read the TypedArray");
      return false;
    }
    *data = pointer;
    *length_bytes = element_count * element_size_bytes(type);
    return true;
  }
  if (napi_is_dataview(env, value, &is_dataview) == napi_ok && is_dataview) {
    if (napi_get_dataview_info(env, value, length_bytes, &pointer, NULL, NULL) != napi_ok) {
      napi_throw_error(env, NULL, "could not read the DataView");
      return false;
    }
    *data = pointer;
    return true;
  }
  napi_throw_type_error(env, NULL, "data must be a Uint8Array, Buffer or other ArrayBufferView");
  return false;
}

/* A finalized CRC-64 given as a BigInt in [0, 2^64); undefined means 0n. */
static bool get_crc64(napi_env env, napi_value value, const char *message, uint64_t *crc) {
  napi_valuetype type;
  bool lossless = false;
  if (napi_typeof(env, value, &type) != napi_ok) return false;
  if (type == napi_undefined) {
    *crc = 0;
    return true;
  }
  if (type == napi_bigint && napi_get_value_bigint_uint64(env, value, crc, &lossless) == napi_ok && lossless) return true;
  if (type == napi_bigint) {
    napi_throw_range_error(env, NULL, message);
  } else {
    napi_throw_type_error(env, NULL, message);
  }
  return false;
}

/* An integer-valued number in [0, max]. */
static bool get_integer(napi_env env, napi_value value, double max, const char *message, double *result) {
  napi_valuetype type;
  if (napi_typeof(env, value, &type) != napi_ok) return false;
  if (type != napi_number) {
    napi_throw_type_error(env, NULL, message);
    return false;
  }
  if (napi_get_value_double(env, value, result) != napi_ok) return false;
  /* NaN fails the range test; the cast round-trip rejects fractions. */
  if (!(*result >= 0 && *result <= max) || (double)(uint64_t)*result != *result) {
    napi_throw_range_error(env, NULL, message);
    return false;
  }
  return true;
}

static napi_value js_crc64nvme(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  const uint8_t *data;
  size_t length_bytes;
  uint64_t previous = 0;
  napi_value result;
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 1) {
    napi_throw_type_error(env, NULL, "crc64nvme(data, previous?) needs data");
    return NULL;
  }
  if (!get_bytes(env, argv[0], &data, &length_bytes)) return NULL;
  if (argc >= 2 && !get_crc64(env, argv[1], "previous must be a bigint in [0n, 2n ** 64n)", &previous)) return NULL;
  /* Un-finalize, run the kernel on the register, finalize (init = xorout = all ones). */
  uint64_t state = kernel(previous ^ ALL_ONES_64, data, length_bytes);
  CHECK(env, napi_create_bigint_uint64(env, state ^ ALL_ONES_64, &result));
  return result;
}

/* A finalized CRC-32C as a number in [0, 2^32); undefined or null means 0 (as @node-rs/crc32). */
static bool get_crc32(napi_env env, napi_value value, uint32_t *crc) {
  napi_valuetype type;
  double number;
  if (napi_typeof(env, value, &type) != napi_ok) return false;
  if (type == napi_undefined || type == napi_null) {
    *crc = 0;
    return true;
  }
  if (!get_integer(env, value, 4294967295.0, "previous must be an unsigned 32-bit integer", &number)) return false;
  *crc = (uint32_t)number;
  return true;
}

static napi_value js_crc32c(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  const uint8_t *data;
  size_t length_bytes;
  uint32_t previous = 0;
  napi_value result;
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 1) {
    napi_throw_type_error(env, NULL, "crc32c(data, previous?) needs data");
    return NULL;
  }
  if (!get_bytes(env, argv[0], &data, &length_bytes)) return NULL;
  if (argc >= 2 && !get_crc32(env, argv[1], &previous)) return NULL;
  uint32_t state = crc32c_kernel(previous ^ 0xFFFFFFFFu, data, length_bytes);
  CHECK(env, napi_create_uint32(env, state ^ 0xFFFFFFFFu, &result));
  return result;
}

static napi_value js_crc64nvme_combine(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  uint64_t crc_a, crc_b;
  double length_b_bytes;
  napi_value result;
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 3) {
    napi_throw_type_error(env, NULL, "crc64nvmeCombine(crcA, crcB, lengthBBytes) needs 3 arguments");
    return NULL;
  }
  if (!get_crc64(env, argv[0], "crcA must be a bigint in [0n, 2n ** 64n)", &crc_a)) return NULL;
  if (!get_crc64(env, argv[1], "crcB must be a bigint in [0n, 2n ** 64n)", &crc_b)) return NULL;
  if (!get_integer(env, argv[2], MAX_SAFE_INTEGER, "lengthBBytes must be a safe non-negative integer", &length_b_bytes)) return NULL;
  CHECK(env, napi_create_bigint_uint64(env, crc_combine(&crc64nvme_field, crc_a, crc_b, (uint64_t)length_b_bytes), &result));
  return result;
}

static napi_value crc32_combine_with(napi_env env, napi_callback_info info, const crc_field *field) {
  size_t argc = 3;
  napi_value argv[3];
  double crc_a, crc_b, length_b_bytes;
  napi_value result;
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 3) {
    napi_throw_type_error(env, NULL, "crc32Combine(crcA, crcB, lengthB) needs 3 arguments");
    return NULL;
  }
  if (!get_integer(env, argv[0], 4294967295.0, "crcA must be an unsigned 32-bit integer", &crc_a)) return NULL;
  if (!get_integer(env, argv[1], 4294967295.0, "crcB must be an unsigned 32-bit integer", &crc_b)) return NULL;
  if (!get_integer(env, argv[2], MAX_SAFE_INTEGER, "lengthB must be a safe non-negative integer", &length_b_bytes)) return NULL;
  uint64_t combined = crc_combine(field, (uint64_t)crc_a, (uint64_t)crc_b, (uint64_t)length_b_bytes);
  CHECK(env, napi_create_uint32(env, (uint32_t)combined, &result));
  return result;
}

static napi_value js_crc32_combine(napi_env env, napi_callback_info info) {
  return crc32_combine_with(env, info, &crc32_field);
}

static napi_value js_crc32c_combine(napi_env env, napi_callback_info info) {
  return crc32_combine_with(env, info, &crc32c_field);
}

NAPI_MODULE_INIT() {
  napi_value implementation_name, crc32c_implementation_name;
  CHECK(env, napi_create_string_utf8(env, implementation, NAPI_AUTO_LENGTH, &implementation_name));
  CHECK(env, napi_create_string_utf8(env, crc32c_implementation, NAPI_AUTO_LENGTH, &crc32c_implementation_name));
  napi_property_descriptor properties[] = {
      {"crc64nvme", NULL, js_crc64nvme, NULL, NULL, NULL, napi_enumerable, NULL},
      {"crc32c", NULL, js_crc32c, NULL, NULL, NULL, napi_enumerable, NULL},
      {"crc64nvmeCombine", NULL, js_crc64nvme_combine, NULL, NULL, NULL, napi_enumerable, NULL},
      {"crc32Combine", NULL, js_crc32_combine, NULL, NULL, NULL, napi_enumerable, NULL},
      {"crc32cCombine", NULL, js_crc32c_combine, NULL, NULL, NULL, napi_enumerable, NULL},
      {"implementation", NULL, NULL, NULL, NULL, implementation_name, napi_enumerable, NULL},
      {"crc32cImplementation", NULL, NULL, NULL, NULL, crc32c_implementation_name, napi_enumerable, NULL},
  };
  CHECK(env, napi_define_properties(env, exports, sizeof properties / sizeof properties[0], properties));
  return exports;
}
