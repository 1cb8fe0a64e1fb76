// Node-API glue: argument conversion only. Socket calls live behind socket.h
// (posix.cc, win.cc); the JavaScript objects over a poller in
// js_acceptor.cc (the accept watcher) and js_watcher.cc (message sockets),
// on glue.h. Functions return a non-negative result or a negative OS error
// number; lib/native.ts turns those into OpErrors, so no error text is
// built here. Why the C API and not node-addon-api: glue.h.
#include <node_api.h>

#include <string>

#include "glue.h"
#include "socket.h"

namespace {

using lc::sock_t;
using namespace lc::js;  // the glue helpers (glue.h)

bool ToString(napi_env env, napi_value v, std::string* out) {
  size_t len = 0;
  if (napi_get_value_string_utf8(env, v, nullptr, 0, &len) != napi_ok) return false;
  out->assign(len, '\0');
  return napi_get_value_string_utf8(env, v, &(*out)[0], len + 1, &len) == napi_ok;
}

// The bytes of a Uint8Array.
bool ToBytes(napi_env env, napi_value v, void** data, size_t* len) {
  bool is = false;
  napi_typedarray_type type;
  napi_value ab;
  size_t offset;
  if (napi_is_typedarray(env, v, &is) != napi_ok || !is) return false;
  if (napi_get_typedarray_info(env, v, &type, len, data, &ab, &offset) != napi_ok) return false;
  return type == napi_uint8_array;
}

// socket(domain, type, protocol) -> sock | -err
napi_value Socket(napi_env env, napi_callback_info info) {
  Args a;
  int32_t domain, type, protocol;
  if (!GetArgs(env, info, &a) || !ToInt(env, a.argv[0], &domain) || !ToInt(env, a.argv[1], &type) ||
      !ToInt(env, a.argv[2], &protocol)) {
    return Misuse(env, "socket(domain, type, protocol)");
  }
  return Num(env, (double)lc::Socket(domain, type, protocol));
}

// setDefaultSockopts(sock, domain, type, v6only) -> 0 | -err
napi_value SetDefaultSockopts(napi_env env, napi_callback_info info) {
  Args a;
  sock_t s;
  int32_t domain, type;
  bool v6only;
  if (!GetArgs(env, info, &a) || !ToSock(env, a.argv[0], &s) || !ToInt(env, a.argv[1], &domain) ||
      !ToInt(env, a.argv[2], &type) || napi_get_value_bool(env, a.argv[3], &v6only) != napi_ok) {
    return Misuse(env, "setDefaultSockopts(sock, domain, type, v6only)");
  }
  return Num(env, lc::SetDefaultSockopts(s, domain, type, v6only));
}

// setDefaultListenerSockopts(sock) -> 0 | -err
napi_value SetDefaultListenerSockopts(napi_env env, napi_callback_info info) {
  Args a;
  sock_t s;
  if (!GetArgs(env, info, &a) || !ToSock(env, a.argv[0], &s)) return Misuse(env, "setDefaultListenerSockopts(sock)");
  return Num(env, lc::SetDefaultListenerSockopts(s));
}

// setDefaultMulticastSockopts(sock) -> 0 | -err
napi_value SetDefaultMulticastSockopts(napi_env env, napi_callback_info info) {
  Args a;
  sock_t s;
  if (!GetArgs(env, info, &a) || !ToSock(env, a.argv[0], &s)) return Misuse(env, "setDefaultMulticastSockopts(sock)");
  return Num(env, lc::SetDefaultMulticastSockopts(s));
}

// sysctlUint32(name) -> value | -err
napi_value SysctlUint32(napi_env env, napi_callback_info info) {
  Args a;
  std::string name;
  if (!GetArgs(env, info, &a) || !ToString(env, a.argv[0], &name)) return Misuse(env, "sysctlUint32(name)");
  uint32_t v = 0;
  int r = lc::SysctlUint32(name.c_str(), &v);
  return Num(env, r < 0 ? (double)r : (double)v);
}

// setsockopt(sock, level, name, buffer) -> 0 | -err
napi_value SetSockOpt(napi_env env, napi_callback_info info) {
  Args a;
  sock_t s;
  int32_t level, name;
  void* data;
  size_t len;
  if (!GetArgs(env, info, &a) || !ToSock(env, a.argv[0], &s) || !ToInt(env, a.argv[1], &level) ||
      !ToInt(env, a.argv[2], &name) || !ToBytes(env, a.argv[3], &data, &len)) {
    return Misuse(env, "setsockopt(sock, level, name, Uint8Array)");
  }
  return Num(env, lc::SetSockOpt(s, level, name, data, len));
}

// getsockopt(sock, level, name, buffer) -> bytes written | -err
napi_value GetSockOpt(napi_env env, napi_callback_info info) {
  Args a;
  sock_t s;
  int32_t level, name;
  void* data;
  size_t len;
  if (!GetArgs(env, info, &a) || !ToSock(env, a.argv[0], &s) || !ToInt(env, a.argv[1], &level) ||
      !ToInt(env, a.argv[2], &name) || !ToBytes(env, a.argv[3], &data, &len)) {
    return Misuse(env, "getsockopt(sock, level, name, Uint8Array)");
  }
  int r = lc::GetSockOpt(s, level, name, data, &len);
  return Num(env, r < 0 ? r : (double)len);
}

// A latin1 string's characters as bytes: how unix socket names cross
// Node-API, so that every byte round-trips (a name need not be UTF-8;
// lib/native.ts encodes users' strings as UTF-8 first, as Node does).
bool ToLatin1(napi_env env, napi_value v, std::string* out) {
  size_t len = 0;
  if (napi_get_value_string_latin1(env, v, nullptr, 0, &len) != napi_ok) return false;
  out->assign(len, '\0');
  return napi_get_value_string_latin1(env, v, &(*out)[0], len + 1, &len) == napi_ok;
}

// This OS's AF_UNIX, from the constants table.
int AfUnix() {
  static int af = [] {
    size_t n = 0;
    const lc::Constant* table = lc::Constants(&n);
    for (size_t i = 0; i < n; i++) {
      if (std::string(table[i].name) == "AF_UNIX") return (int)table[i].value;
    }
    return -1;
  }();
  return af;
}

// The address arguments (domain, host, zone, port) of bind and friends.
// A unix name (AF_UNIX) comes as latin1: its bytes.
bool ToSockAddr(napi_env env, const napi_value* argv, lc::SockAddr* out) {
  int32_t domain, port;
  if (!ToInt(env, argv[0], &domain)) return false;
  bool host = domain == AfUnix() ? ToLatin1(env, argv[1], &out->host) : ToString(env, argv[1], &out->host);
  if (!host || !ToString(env, argv[2], &out->zone) || !ToInt(env, argv[3], &port)) {
    return false;
  }
  out->domain = domain;
  out->port = port;
  return true;
}

// bind(sock, domain, host, zone, port) -> 0 | -err
napi_value Bind(napi_env env, napi_callback_info info) {
  Args a;
  sock_t s;
  lc::SockAddr addr;
  if (!GetArgs(env, info, &a) || !ToSock(env, a.argv[0], &s) || !ToSockAddr(env, a.argv + 1, &addr)) {
    return Misuse(env, "bind(sock, domain, host, zone, port)");
  }
  return Num(env, lc::Bind(s, addr));
}

// listen(sock, backlog) -> 0 | -err
napi_value Listen(napi_env env, napi_callback_info info) {
  Args a;
  sock_t s;
  int32_t backlog;
  if (!GetArgs(env, info, &a) || !ToSock(env, a.argv[0], &s) || !ToInt(env, a.argv[1], &backlog)) {
    return Misuse(env, "listen(sock, backlog)");
  }
  return Num(env, lc::Listen(s, backlog));
}

// { domain, host, zone, port } for a SockAddr, or nullptr. A unix name
// (AF_UNIX) goes as latin1, one character per byte (see ToLatin1).
napi_value MakeSockAddr(napi_env env, const lc::SockAddr& sa) {
  napi_value o, host, zone;
  napi_status hs = sa.domain == AfUnix() ? napi_create_string_latin1(env, sa.host.c_str(), sa.host.size(), &host)
                                         : napi_create_string_utf8(env, sa.host.c_str(), sa.host.size(), &host);
  if (napi_create_object(env, &o) != napi_ok || hs != napi_ok ||
      napi_create_string_utf8(env, sa.zone.c_str(), sa.zone.size(), &zone) != napi_ok ||
      !SetNamed(env, o, "domain", Num(env, sa.domain)) || !SetNamed(env, o, "host", host) ||
      !SetNamed(env, o, "zone", zone) || !SetNamed(env, o, "port", Num(env, sa.port))) {
    return nullptr;
  }
  return o;
}

// getsockname(sock) and getpeername(sock) -> { domain, host, zone, port } | -err
napi_value NameOf(napi_env env, napi_callback_info info, int (*name)(sock_t, lc::SockAddr*), const char* usage) {
  Args a;
  sock_t s;
  if (!GetArgs(env, info, &a) || !ToSock(env, a.argv[0], &s)) return Misuse(env, usage);
  lc::SockAddr sa;
  int r = name(s, &sa);
  if (r < 0) return Num(env, r);
  return MakeSockAddr(env, sa);
}

napi_value GetSockName(napi_env env, napi_callback_info info) {
  return NameOf(env, info, lc::GetSockName, "getsockname(sock)");
}

napi_value GetPeerName(napi_env env, napi_callback_info info) {
  return NameOf(env, info, lc::GetPeerName, "getpeername(sock)");
}

// connect(sock, domain, host, zone, port) -> 0 | -err
napi_value Connect(napi_env env, napi_callback_info info) {
  Args a;
  sock_t s;
  lc::SockAddr addr;
  if (!GetArgs(env, info, &a) || !ToSock(env, a.argv[0], &s) || !ToSockAddr(env, a.argv + 1, &addr)) {
    return Misuse(env, "connect(sock, domain, host, zone, port)");
  }
  return Num(env, lc::Connect(s, addr));
}

// A Uint8Array, or null/undefined for none.
bool ToOptionalBytes(napi_env env, napi_value v, void** data, size_t* len) {
  napi_valuetype t;
  if (napi_typeof(env, v, &t) != napi_ok) return false;
  if (t == napi_undefined || t == napi_null) {
    *data = nullptr;
    *len = 0;
    return true;
  }
  return ToBytes(env, v, data, len);
}

// recvmsg(sock, buf, oob | null) -> [n, flags, oobn, from | null] | -err
napi_value RecvMsg(napi_env env, napi_callback_info info) {
  Args a;
  sock_t s;
  void *buf, *oob;
  size_t len, ooblen;
  if (!GetArgs(env, info, &a) || !ToSock(env, a.argv[0], &s) || !ToBytes(env, a.argv[1], &buf, &len) ||
      !ToOptionalBytes(env, a.argv[2], &oob, &ooblen)) {
    return Misuse(env, "recvmsg(sock, Uint8Array, Uint8Array | null)");
  }
  int flags = 0;
  size_t oobn = 0;
  lc::SockAddr from;
  int64_t n = lc::RecvMsg(s, buf, len, oob, ooblen, &flags, &oobn, &from);
  if (n < 0) return Num(env, (double)n);
  // From here the received descriptors (SCM_RIGHTS) are open in this
  // process: a result that cannot be made must not leak them.
  napi_value arr, addr = nullptr;
  if (from.domain == 0) {
    napi_get_null(env, &addr);
  } else {
    addr = MakeSockAddr(env, from);
  }
  if (addr == nullptr || napi_create_array_with_length(env, 4, &arr) != napi_ok ||
      napi_set_element(env, arr, 0, Num(env, (double)n)) != napi_ok ||
      napi_set_element(env, arr, 1, Num(env, flags)) != napi_ok ||
      napi_set_element(env, arr, 2, Num(env, (double)oobn)) != napi_ok ||
      napi_set_element(env, arr, 3, addr) != napi_ok) {
    lc::CloseRights(oob, oobn);
    return nullptr;
  }
  return arr;
}

// sendmsg(sock, buf, oob | null, domain, host, zone, port) -> n | -err;
// domain 0 sends to the connected peer.
napi_value SendMsg(napi_env env, napi_callback_info info) {
  Args a;
  sock_t s;
  void *buf, *oob;
  size_t len, ooblen;
  lc::SockAddr to;
  if (!GetArgs(env, info, &a) || !ToSock(env, a.argv[0], &s) || !ToBytes(env, a.argv[1], &buf, &len) ||
      !ToOptionalBytes(env, a.argv[2], &oob, &ooblen) || !ToSockAddr(env, a.argv + 3, &to)) {
    return Misuse(env, "sendmsg(sock, Uint8Array, Uint8Array | null, domain, host, zone, port)");
  }
  return Num(env, (double)lc::SendMsg(s, buf, len, oob, ooblen, to.domain == 0 ? nullptr : &to));
}

// close(sock) -> 0 | -err
napi_value Close(napi_env env, napi_callback_info info) {
  Args a;
  sock_t s;
  if (!GetArgs(env, info, &a) || !ToSock(env, a.argv[0], &s)) return Misuse(env, "close(sock)");
  return Num(env, lc::Close(s));
}

// inheritConnOptions(sock, opts) -> 0 | -err (socket.h: what the OS copies is set)
napi_value InheritConnOptions(napi_env env, napi_callback_info info) {
  Args a;
  sock_t s;
  lc::ConnOptions opts;
  if (!GetArgs(env, info, &a) || !ToSock(env, a.argv[0], &s) || !ToConnOptions(env, a.argv[1], &opts)) {
    return Misuse(env, "inheritConnOptions(sock, options)");
  }
  return Num(env, lc::InheritConnOptions(s, opts));
}

// listenQueue(sock) -> [queued, backlog] | -err
napi_value ListenQueue(napi_env env, napi_callback_info info) {
  Args a;
  sock_t s;
  if (!GetArgs(env, info, &a) || !ToSock(env, a.argv[0], &s)) return Misuse(env, "listenQueue(sock)");
  uint32_t queued = 0, backlog = 0;
  int r = lc::ListenQueue(s, &queued, &backlog);
  if (r < 0) return Num(env, r);
  napi_value arr;
  if (napi_create_array_with_length(env, 2, &arr) != napi_ok ||
      napi_set_element(env, arr, 0, Num(env, queued)) != napi_ok ||
      napi_set_element(env, arr, 1, Num(env, backlog)) != napi_ok) {
    return nullptr;
  }
  return arr;
}

// strerror(err) -> the OS's text
napi_value StrError(napi_env env, napi_callback_info info) {
  Args a;
  int32_t err;
  if (!GetArgs(env, info, &a) || !ToInt(env, a.argv[0], &err)) return Misuse(env, "strerror(err)");
  std::string s = lc::StrError(err);
  napi_value v = nullptr;
  napi_create_string_utf8(env, s.c_str(), s.size(), &v);
  return v;
}

// dupCloexec(sock) -> a new descriptor | -err (lib/file.ts).
napi_value DupCloexec(napi_env env, napi_callback_info info) {
  Args a;
  sock_t s;
  if (!GetArgs(env, info, &a) || !ToSock(env, a.argv[0], &s)) return Misuse(env, "dupCloexec(sock)");
  return Num(env, (double)lc::DupCloexec(s));
}

// setCloexec(fd) -> 0 | -err (lib/activation.ts).
napi_value SetCloexec(napi_env env, napi_callback_info info) {
  Args a;
  sock_t s;
  if (!GetArgs(env, info, &a) || !ToSock(env, a.argv[0], &s)) return Misuse(env, "setCloexec(fd)");
  return Num(env, (double)lc::SetCloexec(s));
}

bool Export(napi_env env, napi_value exports, const char* name, napi_callback fn) {
  napi_value f;
  return napi_create_function(env, name, NAPI_AUTO_LENGTH, fn, nullptr, &f) == napi_ok &&
         SetNamed(env, exports, name, f);
}

}  // namespace

NAPI_MODULE_INIT() {
  if (!Export(env, exports, "socket", Socket) || !Export(env, exports, "setsockopt", SetSockOpt) ||
      !Export(env, exports, "getsockopt", GetSockOpt) || !Export(env, exports, "bind", Bind) ||
      !Export(env, exports, "listen", Listen) || !Export(env, exports, "getsockname", GetSockName) ||
      !Export(env, exports, "close", Close) || !Export(env, exports, "setDefaultSockopts", SetDefaultSockopts) ||
      !Export(env, exports, "setDefaultListenerSockopts", SetDefaultListenerSockopts) ||
      !Export(env, exports, "setDefaultMulticastSockopts", SetDefaultMulticastSockopts) ||
      !Export(env, exports, "sysctlUint32", SysctlUint32) ||
      !Export(env, exports, "inheritConnOptions", InheritConnOptions) ||
      !Export(env, exports, "listenQueue", ListenQueue) || !Export(env, exports, "strerror", StrError) ||
      !Export(env, exports, "connect", Connect) || !Export(env, exports, "getpeername", GetPeerName) ||
      !Export(env, exports, "recvmsg", RecvMsg) || !Export(env, exports, "sendmsg", SendMsg) ||
      !SetNamed(env, exports, "Acceptor", DefineAcceptor(env)) ||
      !SetNamed(env, exports, "Watcher", DefineWatcher(env))) {
    return nullptr;
  }
  napi_value c;
  if (napi_create_object(env, &c) != napi_ok) return nullptr;
  size_t n = 0;
  const lc::Constant* table = lc::Constants(&n);
  for (size_t i = 0; i < n; i++) {
    if (!SetNamed(env, c, table[i].name, Num(env, table[i].value))) return nullptr;
  }
  if (!SetNamed(env, exports, "constants", c)) return nullptr;
  if (!Export(env, exports, "dupCloexec", DupCloexec) || !Export(env, exports, "setCloexec", SetCloexec)) {
    return nullptr;
  }
  return exports;
}
