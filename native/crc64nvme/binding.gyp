{
  "targets": [
    {
      "target_name": "crc64nvme",
      "sources": ["src/crc64nvme.c", "src/crc64_pclmul.c", "src/crc64_table.c", "src/crc32c_sse42.c", "src/crc32c_table.c", "src/gf2.c"],
      "defines": ["NAPI_VERSION=8"],
      "cflags_c": ["-std=gnu11", "-O3", "-Wall", "-Wextra", "-Wno-unused-parameter"],
      "xcode_settings": {"OTHER_CFLAGS": ["-std=gnu11", "-O3"]}
    }
  ]
}
