// TCP MD5 signatures (RFC 2385) and GTSM (RFC 5082) for BGP sockets on Linux: the socket options
// Node's net module cannot set. Node-API only (no V8/NAN), so the binary survives Node upgrades.
//
// Every function works on a plain fd; the JS side creates, binds and connects through Node once
// the options are on the socket (TCP_MD5SIG must be in place before the SYN is sent or received).
#include <node_api.h>
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#ifndef IP_MINTTL
#define IP_MINTTL 21
#endif
#ifndef IPV6_MINHOPCOUNT
#define IPV6_MINHOPCOUNT 73
#endif
#ifndef TCP_SAVE_SYN
#define TCP_SAVE_SYN 27
#endif
#ifndef TCP_SAVED_SYN
#define TCP_SAVED_SYN 28
#endif

// The errno names these calls can fail with (strerrorname_np is glibc 2.32+ only).
static const char *errno_name(int err) {
  switch (err) {
    case EACCES: return "EACCES";
    case EADDRINUSE: return "EADDRINUSE";
    case EADDRNOTAVAIL: return "EADDRNOTAVAIL";
    case EAFNOSUPPORT: return "EAFNOSUPPORT";
    case EBADF: return "EBADF";
    case EINVAL: return "EINVAL";
    case EMFILE: return "EMFILE";
    case ENFILE: return "ENFILE";
    case ENOBUFS: return "ENOBUFS";
    case ENOENT: return "ENOENT";
    case ENOMEM: return "ENOMEM";
    case ENOPROTOOPT: return "ENOPROTOOPT";
    case ENOTSOCK: return "ENOTSOCK";
    case EPERM: return "EPERM";
    default: return "EIO";
  }
}

// Throws an Error whose code is the errno name (as Node's own socket errors carry).
static napi_value throw_errno(napi_env env, const char *what, int err) {
  char msg[256];
  const char *name = errno_name(err);
  snprintf(msg, sizeof msg, "%s: %s", what, strerror(err));
  napi_throw_error(env, name, msg);
  return NULL;
}

static napi_value throw_type(napi_env env, const char *msg) {
  napi_throw_type_error(env, NULL, msg);
  return NULL;
}

static napi_value undefined(napi_env env) {
  napi_value u;
  napi_get_undefined(env, &u);
  return u;
}

static napi_value number(napi_env env, int v) {
  napi_value n;
  napi_create_int32(env, v, &n);
  return n;
}

static int arg_int(napi_env env, napi_value v, int *out) {
  return napi_get_value_int32(env, v, out) == napi_ok;
}

// An address for a socket of `family` (4 or 6); an IPv4 peer of an IPv6 (dual-stack) socket is
// written v4-mapped, which is how the kernel matches MD5 keys and peers there.
static int parse_addr(napi_env env, napi_value v, int family, int port, struct sockaddr_storage *ss, socklen_t *len) {
  char text[INET6_ADDRSTRLEN + 8];
  size_t n;
  if (napi_get_value_string_utf8(env, v, text, sizeof text, &n) != napi_ok) return 0;
  memset(ss, 0, sizeof *ss);
  if (family == 4) {
    struct sockaddr_in *a = (struct sockaddr_in *)ss;
    a->sin_family = AF_INET;
    a->sin_port = htons(port);
    *len = sizeof *a;
    return inet_pton(AF_INET, text, &a->sin_addr) == 1;
  }
  struct sockaddr_in6 *a = (struct sockaddr_in6 *)ss;
  a->sin6_family = AF_INET6;
  a->sin6_port = htons(port);
  *len = sizeof *a;
  if (inet_pton(AF_INET6, text, &a->sin6_addr) == 1) return 1;
  struct in_addr v4;
  if (inet_pton(AF_INET, text, &v4) != 1) return 0;
  a->sin6_addr.s6_addr[10] = 0xff;
  a->sin6_addr.s6_addr[11] = 0xff;
  memcpy(&a->sin6_addr.s6_addr[12], &v4, 4);
  return 1;
}

#define ARGS(count)                                            \
  size_t argc = count;                                         \
  napi_value argv[count];                                      \
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < count) \
    return throw_type(env, "missing arguments");

#define FD_FAMILY()                                            \
  int fd, family;                                              \
  if (!arg_int(env, argv[0], &fd) || fd < 0) return throw_type(env, "fd must be a descriptor"); \
  if (!arg_int(env, argv[1], &family) || (family != 4 && family != 6)) return throw_type(env, "family must be 4 or 6");

// socket(family): a non-blocking, close-on-exec TCP socket, not yet bound or connected.
static napi_value js_socket(napi_env env, napi_callback_info info) {
  ARGS(1);
  int family;
  if (!arg_int(env, argv[0], &family) || (family != 4 && family != 6)) return throw_type(env, "family must be 4 or 6");
  int fd = socket(family == 4 ? AF_INET : AF_INET6, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_TCP);
  if (fd < 0) return throw_errno(env, "socket", errno);
  return number(env, fd);
}

// setMd5(fd, family, peer, key): installs (key a string) or removes (key null) the peer's key.
static napi_value js_set_md5(napi_env env, napi_callback_info info) {
  ARGS(4);
  FD_FAMILY();
  struct tcp_md5sig sig;
  memset(&sig, 0, sizeof sig);
  socklen_t alen;
  if (!parse_addr(env, argv[2], family, 0, (struct sockaddr_storage *)&sig.tcpm_addr, &alen)) return throw_type(env, "peer is not an IP address");
  napi_valuetype t;
  napi_typeof(env, argv[3], &t);
  if (t == napi_string) {
    size_t n;
    char key[TCP_MD5SIG_MAXKEYLEN + 2];
    napi_get_value_string_utf8(env, argv[3], key, sizeof key, &n);
    if (n == 0 || n > TCP_MD5SIG_MAXKEYLEN) return throw_type(env, "an MD5 key is 1-80 bytes");
    memcpy(sig.tcpm_key, key, n);
    sig.tcpm_keylen = (uint16_t)n;
  } else if (t != napi_null && t != napi_undefined) {
    return throw_type(env, "key must be a string or null");
  }
  if (setsockopt(fd, IPPROTO_TCP, TCP_MD5SIG, &sig, sizeof sig) < 0) {
    // Removing a key that is not there is not an error for us.
    if (sig.tcpm_keylen == 0 && errno == ENOENT) return undefined(env);
    return throw_errno(env, "setsockopt(TCP_MD5SIG)", errno);
  }
  return undefined(env);
}

// setTtl(fd, family, ttl): the TTL/hop limit of what we send; -1 restores the system default.
// A dual-stack IPv6 socket carries IPv4 too, so it gets the IPv4 option as well.
static napi_value js_set_ttl(napi_env env, napi_callback_info info) {
  ARGS(3);
  FD_FAMILY();
  int ttl;
  if (!arg_int(env, argv[2], &ttl) || ttl < -1 || ttl > 255) return throw_type(env, "ttl must be -1..255");
  if (family == 6 && setsockopt(fd, IPPROTO_IPV6, IPV6_UNICAST_HOPS, &ttl, sizeof ttl) < 0) return throw_errno(env, "setsockopt(IPV6_UNICAST_HOPS)", errno);
  if (setsockopt(fd, IPPROTO_IP, IP_TTL, &ttl, sizeof ttl) < 0 && family == 4) return throw_errno(env, "setsockopt(IP_TTL)", errno);
  return undefined(env);
}

// setMinTtl(fd, family, min): segments arriving with a lower TTL/hop limit are dropped by the
// kernel (GTSM); 0 turns the check off.
static napi_value js_set_min_ttl(napi_env env, napi_callback_info info) {
  ARGS(3);
  FD_FAMILY();
  int min;
  if (!arg_int(env, argv[2], &min) || min < 0 || min > 255) return throw_type(env, "min must be 0..255");
  if (family == 6 && setsockopt(fd, IPPROTO_IPV6, IPV6_MINHOPCOUNT, &min, sizeof min) < 0) return throw_errno(env, "setsockopt(IPV6_MINHOPCOUNT)", errno);
  if (setsockopt(fd, IPPROTO_IP, IP_MINTTL, &min, sizeof min) < 0 && family == 4) return throw_errno(env, "setsockopt(IP_MINTTL)", errno);
  return undefined(env);
}

// prepareListener(fd): SO_REUSEADDR (as Node sets on its listeners) and TCP_SAVE_SYN, so an
// accepted connection's SYN can be checked (savedSyn) before anything is sent on it.
static napi_value js_prepare_listener(napi_env env, napi_callback_info info) {
  ARGS(1);
  int fd, on = 1;
  if (!arg_int(env, argv[0], &fd) || fd < 0) return throw_type(env, "fd must be a descriptor");
  if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on) < 0) return throw_errno(env, "setsockopt(SO_REUSEADDR)", errno);
  if (setsockopt(fd, IPPROTO_TCP, TCP_SAVE_SYN, &on, sizeof on) < 0) return throw_errno(env, "setsockopt(TCP_SAVE_SYN)", errno);
  return undefined(env);
}

// savedSyn(fd): the IP and TCP headers of the SYN that opened an accepted connection (its TTL,
// its options), or undefined when the kernel kept none (listener not prepared, or read before).
static napi_value js_saved_syn(napi_env env, napi_callback_info info) {
  ARGS(1);
  int fd;
  if (!arg_int(env, argv[0], &fd) || fd < 0) return throw_type(env, "fd must be a descriptor");
  unsigned char syn[512];
  socklen_t len = sizeof syn;
  if (getsockopt(fd, IPPROTO_TCP, TCP_SAVED_SYN, syn, &len) < 0) {
    if (errno == ENOENT) return undefined(env);
    return throw_errno(env, "getsockopt(TCP_SAVED_SYN)", errno);
  }
  napi_value buf;
  void *data;
  if (napi_create_buffer_copy(env, len, syn, &data, &buf) != napi_ok) return NULL;
  return buf;
}

// bind(fd, family, address, port)
static napi_value js_bind(napi_env env, napi_callback_info info) {
  ARGS(4);
  FD_FAMILY();
  int port;
  if (!arg_int(env, argv[3], &port) || port < 0 || port > 65535) return throw_type(env, "port must be 0..65535");
  struct sockaddr_storage ss;
  socklen_t len;
  if (!parse_addr(env, argv[2], family, port, &ss, &len)) return throw_type(env, "address is not an IP address");
  if (bind(fd, (struct sockaddr *)&ss, len) < 0) return throw_errno(env, "bind", errno);
  return undefined(env);
}

// close(fd): for a socket that never reached Node (an option failed).
static napi_value js_close(napi_env env, napi_callback_info info) {
  ARGS(1);
  int fd;
  if (!arg_int(env, argv[0], &fd) || fd < 0) return throw_type(env, "fd must be a descriptor");
  close(fd);
  return undefined(env);
}

NAPI_MODULE_INIT() {
  const napi_property_descriptor fns[] = {
    { "socket", NULL, js_socket, NULL, NULL, NULL, napi_enumerable, NULL },
    { "setMd5", NULL, js_set_md5, NULL, NULL, NULL, napi_enumerable, NULL },
    { "setTtl", NULL, js_set_ttl, NULL, NULL, NULL, napi_enumerable, NULL },
    { "setMinTtl", NULL, js_set_min_ttl, NULL, NULL, NULL, napi_enumerable, NULL },
    { "prepareListener", NULL, js_prepare_listener, NULL, NULL, NULL, napi_enumerable, NULL },
    { "savedSyn", NULL, js_saved_syn, NULL, NULL, NULL, napi_enumerable, NULL },
    { "bind", NULL, js_bind, NULL, NULL, NULL, napi_enumerable, NULL },
    { "close", NULL, js_close, NULL, NULL, NULL, napi_enumerable, NULL },
  };
  napi_define_properties(env, exports, sizeof fns / sizeof fns[0], fns);
  return exports;
}
