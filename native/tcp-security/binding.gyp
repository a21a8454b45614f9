{
  "targets": [
    {
      "target_name": "tcp_security",
      "sources": ["tcp_security.c"],
      "defines": ["NAPI_VERSION=8"],
      "cflags": ["-Wall", "-Wextra", "-Wno-unused-parameter"]
    }
  ]
}
