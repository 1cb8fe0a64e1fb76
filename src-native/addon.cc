// Node-API glue: argument conversion only. Socket calls live behind socket.h
// (posix.cc, win.cc), the accept watcher in poller.cc. Functions return
// a non-negative result or a negative OS error number; lib/native.ts turns
// those into OpErrors, so no error text is built here.
//
// Written against the C API, not node-addon-api (issue 10): once a worker
// is being terminated, Node-API refuses every call that needs JavaScript
// (napi_unwrap, napi_set_named_property, napi_make_callback...), and it can
// start refusing while JavaScript is still on the stack, because
// Worker#terminate() flips that switch from another thread. node-addon-api
// turns a refused call into a C++ exception, then fails to turn that into a
// JavaScript one and aborts the process ("FATAL ERROR: Error::Error
// napi_define_properties", "terminate called after throwing an instance of
// 'Napi::Error'"). Here every status is checked, and a refused call gives
// up quietly: what it held is released by the environment's cleanup hook.
#include <node_api.h>

#include <string>

#include "poller.h"
#include "socket.h"

namespace {

using lc::sock_t;

constexpr size_t kMaxArgs = 7;

struct Args {
  napi_value argv[kMaxArgs];
  size_t argc = kMaxArgs;
  napi_value self = nullptr;
};

bool GetArgs(napi_env env, napi_callback_info info, Args* a) {
  if (napi_get_cb_info(env, info, &a->argc, a->argv, &a->self, nullptr) != napi_ok) return false;
  for (size_t i = a->argc; i < kMaxArgs; i++) napi_get_undefined(env, &a->argv[i]);
  return true;
}

napi_value Num(napi_env env, double d) {
  napi_value v = nullptr;
  napi_create_double(env, d, &v);
  return v;
}

napi_value Undefined(napi_env env) {
  napi_value v = nullptr;
  napi_get_undefined(env, &v);
  return v;
}

// Throws a TypeError for a misuse of the binding (lib/native.ts is its only
// caller); returns nullptr, which Node-API reads as undefined.
napi_value Misuse(napi_env env, const char* what) {
  napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", what);
  return nullptr;
}

bool ToInt(napi_env env, napi_value v, int32_t* out) {
  return napi_get_value_int32(env, v, out) == napi_ok;
}

bool ToSock(napi_env env, napi_value v, sock_t* out) {
  int64_t s;
  if (napi_get_value_int64(env, v, &s) != napi_ok) return false;
  *out = static_cast<sock_t>(s);
  return true;
}

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

bool SetNamed(napi_env env, napi_value o, const char* k, napi_value v) {
  return v != nullptr && napi_set_named_property(env, o, k, v) == napi_ok;
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

// getsockname(sock) -> { domain, host, zone, port } | -err
napi_value GetSockName(napi_env env, napi_callback_info info) {
  Args a;
  sock_t s;
  if (!GetArgs(env, info, &a) || !ToSock(env, a.argv[0], &s)) return Misuse(env, "getsockname(sock)");
  lc::SockAddr sa;
  int r = lc::GetSockName(s, &sa);
  if (r < 0) return Num(env, r);
  return MakeSockAddr(env, sa);
}

// getpeername(sock) -> { domain, host, zone, port } | -err
napi_value GetPeerName(napi_env env, napi_callback_info info) {
  Args a;
  sock_t s;
  if (!GetArgs(env, info, &a) || !ToSock(env, a.argv[0], &s)) return Misuse(env, "getpeername(sock)");
  lc::SockAddr sa;
  int r = lc::GetPeerName(s, &sa);
  if (r < 0) return Num(env, r);
  return MakeSockAddr(env, sa);
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

// [keepalive, idle, interval, count, nodelay], as lib/keepalive.ts builds it.
bool ToAcceptOptions(napi_env env, napi_value v, lc::AcceptOptions* opts) {
  bool is = false;
  if (napi_is_array(env, v, &is) != napi_ok || !is) return false;
  int32_t* fields[] = {&opts->keepalive, &opts->idle, &opts->interval, &opts->count};
  for (uint32_t i = 0; i < 4; i++) {
    napi_value e;
    if (napi_get_element(env, v, i, &e) != napi_ok || !ToInt(env, e, fields[i])) return false;
  }
  napi_value e, b;
  if (napi_get_element(env, v, 4, &e) != napi_ok || napi_coerce_to_bool(env, e, &b) != napi_ok) return false;
  return napi_get_value_bool(env, b, &opts->nodelay) == napi_ok;
}

// inheritAcceptOptions(sock, opts) -> 0 | -err (socket.h: what the OS copies is set)
napi_value InheritAcceptOptions(napi_env env, napi_callback_info info) {
  Args a;
  sock_t s;
  lc::AcceptOptions opts;
  if (!GetArgs(env, info, &a) || !ToSock(env, a.argv[0], &s) || !ToAcceptOptions(env, a.argv[1], &opts)) {
    return Misuse(env, "inheritAcceptOptions(sock, options)");
  }
  return Num(env, lc::InheritAcceptOptions(s, opts));
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

// new Acceptor(sock, [keepalive, idle, interval, count, nodelay], out, cb)
//
// Owns the listening socket from then on. While started, each wake-up
// accepts up to kAcceptBatch connections into the Int32Array `out` and calls
// cb(n, err) once; cb calls stop() when no accept() is pending.
//
// References to JavaScript: cb is held strongly only while an accept is
// pending (started): that is what keeps a Listener with a waiting accept()
// alive, as a goroutine blocked in Accept keeps Go's. A stopped Acceptor
// holds cb weakly, so a Listener nobody references can be collected, and
// then the Acceptor's finalizer closes the socket; close() drops cb and
// `out` altogether.
class Acceptor {
 public:
  static napi_value Define(napi_env env) {
    napi_value batch = Num(env, lc::kAcceptBatch);
    napi_property_descriptor props[] = {
        {"start", nullptr, Method<&Acceptor::Start>, nullptr, nullptr, nullptr, napi_default, nullptr},
        {"stop", nullptr, Method<&Acceptor::Stop>, nullptr, nullptr, nullptr, napi_default, nullptr},
        {"ref", nullptr, Method<&Acceptor::Ref>, nullptr, nullptr, nullptr, napi_default, nullptr},
        {"unref", nullptr, Method<&Acceptor::Unref>, nullptr, nullptr, nullptr, napi_default, nullptr},
        {"close", nullptr, Method<&Acceptor::CloseJs>, nullptr, nullptr, nullptr, napi_default, nullptr},
        {"setOptions", nullptr, SetOptions, nullptr, nullptr, nullptr, napi_default, nullptr},
        {"batch", nullptr, nullptr, nullptr, nullptr, batch, napi_static, nullptr},
    };
    napi_value cons = nullptr;
    napi_define_class(env, "Acceptor", NAPI_AUTO_LENGTH, New, nullptr, sizeof props / sizeof props[0], props, &cons);
    return cons;
  }

 private:
  explicit Acceptor(napi_env env) : env_(env) {}

  static napi_value New(napi_env env, napi_callback_info info) {
    Args a;
    sock_t s;
    lc::AcceptOptions opts;
    bool is_ta = false;
    napi_valuetype t;
    if (!GetArgs(env, info, &a) || !ToSock(env, a.argv[0], &s) || !ToAcceptOptions(env, a.argv[1], &opts) ||
        napi_is_typedarray(env, a.argv[2], &is_ta) != napi_ok || !is_ta || napi_typeof(env, a.argv[3], &t) != napi_ok ||
        t != napi_function) {
      return Misuse(env, "new Acceptor(sock, options, Int32Array, callback)");
    }
    napi_typedarray_type type;
    size_t len;
    void* data;
    napi_value ab;
    size_t offset;
    if (napi_get_typedarray_info(env, a.argv[2], &type, &len, &data, &ab, &offset) != napi_ok ||
        type != napi_int32_array || len < (size_t)lc::kAcceptBatch) {
      napi_throw_range_error(env, "ERR_OUT_OF_RANGE", "accept buffer too small");
      return nullptr;
    }
    Acceptor* self = new Acceptor(env);
    if (napi_wrap(env, a.self, self, Finalize, nullptr, &self->wrapper_) != napi_ok) {
      delete self;
      return nullptr;
    }
    // From here the finalizer owns self, and frees what was made so far.
    self->out_data_ = static_cast<int32_t*>(data);
    for (int i = 0; i < lc::kAcceptBatch; i++) self->out_data_[i] = -1;
    napi_value name;
    if (napi_create_reference(env, a.argv[2], 1, &self->out_) != napi_ok ||
        napi_create_reference(env, a.argv[3], 0, &self->cb_) != napi_ok ||  // weak until start()
        napi_create_string_utf8(env, "listenconfig:accept", NAPI_AUTO_LENGTH, &name) != napi_ok ||
        napi_async_init(env, nullptr, name, &self->async_) != napi_ok) {
      self->out_data_ = nullptr;
      return nullptr;
    }
    uv_loop_t* loop = nullptr;
    int err = 0;
    if (napi_get_uv_event_loop(env, &loop) == napi_ok) {
      self->w_ = lc::AcceptWatcher::New(loop, s, opts, OnAccept, self, &err);
    }
    if (self->w_ == nullptr) {
      self->out_data_ = nullptr;
      napi_value msg, code, e;
      std::string text = "uv_poll_init failed: " + std::to_string(err);
      if (napi_create_string_utf8(env, text.c_str(), text.size(), &msg) == napi_ok &&
          napi_create_string_utf8(env, "ERR_LISTENCONFIG_POLL", NAPI_AUTO_LENGTH, &code) == napi_ok &&
          napi_create_error(env, code, msg, &e) == napi_ok) {
        SetNamed(env, e, "errno", Num(env, err));
        napi_throw(env, e);
      }
      return nullptr;
    }
    // Worker threads: close the handle and socket when the environment
    // goes away; Node keeps the loop running until libuv has released it.
    napi_add_async_cleanup_hook(env, OnEnvCleanup, self, &self->hook_);
    return a.self;
  }

  // acceptor.setOptions([keepalive, idle, interval, count, nodelay]): what
  // each connection accepted from now on gets (socket.h, PerConnectionOptions).
  static napi_value SetOptions(napi_env env, napi_callback_info info) {
    Args a;
    void* p = nullptr;
    lc::AcceptOptions opts;
    if (!GetArgs(env, info, &a) || napi_unwrap(env, a.self, &p) != napi_ok || p == nullptr ||
        !ToAcceptOptions(env, a.argv[0], &opts)) {
      return Misuse(env, "acceptor.setOptions(options)");
    }
    Acceptor* self = static_cast<Acceptor*>(p);
    if (self->w_ != nullptr) self->w_->SetOptions(opts);
    return nullptr;
  }

  // The Listener and this object were collected (the Listener was dropped
  // while open), or the environment is being torn down.
  static void Finalize(napi_env env, void* data, void* hint) {
    (void)hint;
    Acceptor* self = static_cast<Acceptor*>(data);
    if (self->w_ != nullptr) self->ReleaseWatcher();
    self->CloseBatch();
    self->StopHolding();
    if (self->async_ != nullptr) napi_async_destroy(env, self->async_);
    if (self->wrapper_ != nullptr) napi_delete_reference(env, self->wrapper_);
    delete self;
  }

  // this.method(...) for an Acceptor; undefined when Node-API refuses to
  // unwrap (the environment is stopping).
  template <napi_value (Acceptor::*M)(napi_env)>
  static napi_value Method(napi_env env, napi_callback_info info) {
    napi_value self_js;
    size_t argc = 0;
    void* p = nullptr;
    if (napi_get_cb_info(env, info, &argc, nullptr, &self_js, nullptr) != napi_ok ||
        napi_unwrap(env, self_js, &p) != napi_ok || p == nullptr) {
      return nullptr;
    }
    return (static_cast<Acceptor*>(p)->*M)(env);
  }

  static void OnAccept(void* ctx, const sock_t* socks, int n, int err) {
    Acceptor* self = static_cast<Acceptor*>(ctx);
    // A SOCKET fits in 32 bits (Windows keeps handle values below 2^32 so
    // that 32-bit processes can share them); Node's TCPWrap::Open takes an
    // int too. Slots from n on are -1 already: JavaScript clears each slot
    // it hands out, and a wake-up accepts only once all are handed out.
    if (self->out_data_ == nullptr) {
      for (int i = 0; i < n; i++) lc::Close(socks[i]);
      return;
    }
    for (int i = 0; i < n; i++) self->out_data_[i] = (int32_t)socks[i];
    if (!self->CallJs(n, err)) {
      // The environment is going away (worker terminate, process exit):
      // JavaScript will never take these. Close them and accept no more.
      self->CloseBatch();
      if (self->w_ != nullptr) self->w_->Stop();
      self->StopHolding();
    }
  }

  // Calls cb(n, err). Returns false when JavaScript cannot run in this
  // environment (no exception pending, or JavaScript stopped while it ran).
  bool CallJs(int n, int err) {
    napi_env env = env_;
    napi_handle_scope scope;
    if (napi_open_handle_scope(env, &scope) != napi_ok) return false;
    bool ran = false;
    napi_value cb = nullptr, recv = nullptr, argv[2], result;
    if (cb_ != nullptr && napi_get_reference_value(env, cb_, &cb) == napi_ok && cb != nullptr &&
        napi_get_reference_value(env, wrapper_, &recv) == napi_ok && recv != nullptr &&
        napi_create_int32(env, n, &argv[0]) == napi_ok && napi_create_int32(env, err, &argv[1]) == napi_ok) {
      napi_status st = napi_make_callback(env, async_, recv, cb, 2, argv, &result);
      if (st == napi_ok) {
        ran = true;
      } else {
        bool pending = false;
        napi_value exc = nullptr;
        if (napi_is_exception_pending(env, &pending) == napi_ok && pending) {
          napi_get_and_clear_last_exception(env, &exc);
        }
        // A thrown callback is an uncaught exception, as in any callback
        // Node calls; a refused one means the environment is stopping.
        if (exc != nullptr && JsCanRun(env)) {
          napi_fatal_exception(env, exc);
          ran = true;
        }
      }
    }
    napi_close_handle_scope(env, scope);
    return ran;
  }

  friend class Watcher;
  // Node-API refuses calls that need JavaScript once an environment stops
  // (napi_define_properties checks that first). Defining an own property
  // of a fresh object runs no user code: a setter on Object.prototype
  // would, and could throw.
  static bool JsCanRun(napi_env env) {
    napi_value o;
    if (napi_create_object(env, &o) != napi_ok) return false;
    napi_property_descriptor d = {"x", nullptr, nullptr, nullptr, nullptr, o, napi_default, nullptr};
    return napi_define_properties(env, o, 1, &d) == napi_ok;
  }

  // Sockets of the last batch that JavaScript never handed out;
  // lib/listener.ts sets -1 on each slot once Node owns its socket.
  void CloseBatch() {
    if (out_data_ == nullptr) return;
    for (int i = 0; i < lc::kAcceptBatch; i++) {
      if (out_data_[i] >= 0) lc::Close((sock_t)out_data_[i]);
      out_data_[i] = -1;
    }
  }

  // Lets go of every JavaScript value this object holds but its wrapper.
  void StopHolding() {
    if (cb_ != nullptr) napi_delete_reference(env_, cb_);
    if (out_ != nullptr) napi_delete_reference(env_, out_);
    cb_ = nullptr;
    out_ = nullptr;
    out_data_ = nullptr;
    strong_ = false;
  }

  static void OnEnvCleanup(napi_async_cleanup_hook_handle handle, void* arg) {
    Acceptor* self = static_cast<Acceptor*>(arg);
    self->hook_ = nullptr;
    lc::AcceptWatcher* w = self->w_;
    self->w_ = nullptr;
    self->CloseBatch();
    self->out_data_ = nullptr;  // JavaScript is gone: nothing hands out a slot again
    w->Close([](void* h) { napi_remove_async_cleanup_hook(static_cast<napi_async_cleanup_hook_handle>(h)); }, handle);
  }

  int ReleaseWatcher() {
    lc::AcceptWatcher* w = w_;
    w_ = nullptr;
    if (hook_ != nullptr) {
      napi_remove_async_cleanup_hook(hook_);
      hook_ = nullptr;
    }
    return w->Close();
  }

  napi_value Start(napi_env env) {
    if (w_ == nullptr || cb_ == nullptr) return Num(env, -1);
    int r = w_->Start();
    if (r == 0 && !strong_) {
      uint32_t count;
      if (napi_reference_ref(env, cb_, &count) == napi_ok) strong_ = true;
    }
    return Num(env, r);
  }
  napi_value Stop(napi_env env) {
    if (w_ != nullptr) w_->Stop();
    if (strong_) {
      uint32_t count;
      napi_reference_unref(env, cb_, &count);
      strong_ = false;
    }
    return Undefined(env);
  }
  napi_value Ref(napi_env env) {
    if (w_ != nullptr) w_->Ref();
    return Undefined(env);
  }
  napi_value Unref(napi_env env) {
    if (w_ != nullptr) w_->Unref();
    return Undefined(env);
  }
  // close() -> 0 | -err (the error of closing the listening socket). Closes
  // the batch's sockets not handed out, and drops cb and out.
  napi_value CloseJs(napi_env env) {
    int r = w_ == nullptr ? 0 : ReleaseWatcher();
    CloseBatch();
    StopHolding();
    return Num(env, r);
  }

  napi_env env_;
  napi_ref wrapper_ = nullptr;  // weak: the JavaScript Acceptor
  lc::AcceptWatcher* w_ = nullptr;
  napi_async_cleanup_hook_handle hook_ = nullptr;
  napi_ref cb_ = nullptr;
  bool strong_ = false;  // cb_ held strongly: an accept is pending
  napi_ref out_ = nullptr;
  int32_t* out_data_ = nullptr;
  napi_async_context async_ = nullptr;
};

// new Watcher(sock, callback[, slots, index])
//
// The readiness watcher of a message socket (lib/msgconn.ts), owning the
// socket from the call on: when the constructor fails it closes the socket
// itself (and throws), so the caller never closes it. With an accept batch
// (slots, an Int32Array, and index), the slot is set to -1 in the same
// native step that takes the socket: a worker terminated between the two
// must not leave the socket to both the Acceptor's CloseBatch() and this
// object's cleanup hook, which would close the number twice (the second
// time, perhaps another thread's file). start(events) watches for UV_READABLE (1) and/or
// UV_WRITABLE (2) and calls callback(status, events) on readiness; start(0)
// stops. As with Acceptor, the callback is held strongly only while
// something is watched (a pending read keeps its socket alive, as a
// goroutine blocked in Read does), weakly otherwise, so a dropped socket is
// collected and the finalizer closes it; a worker's cleanup hook closes it
// too.
class Watcher {
 public:
  static napi_value Define(napi_env env) {
    napi_property_descriptor props[] = {
        {"start", nullptr, Method<&Watcher::Start>, nullptr, nullptr, nullptr, napi_default, nullptr},
        {"ref", nullptr, Method<&Watcher::Ref>, nullptr, nullptr, nullptr, napi_default, nullptr},
        {"unref", nullptr, Method<&Watcher::Unref>, nullptr, nullptr, nullptr, napi_default, nullptr},
        {"close", nullptr, Method<&Watcher::CloseJs>, nullptr, nullptr, nullptr, napi_default, nullptr},
    };
    napi_value cons = nullptr;
    napi_define_class(env, "Watcher", NAPI_AUTO_LENGTH, New, nullptr, sizeof props / sizeof props[0], props, &cons);
    return cons;
  }

 private:
  explicit Watcher(napi_env env) : env_(env) {}

  static napi_value New(napi_env env, napi_callback_info info) {
    Args a;
    sock_t s;
    napi_valuetype t;
    int32_t* slot = nullptr;
    if (!GetArgs(env, info, &a) || !ToSock(env, a.argv[0], &s) || napi_typeof(env, a.argv[1], &t) != napi_ok ||
        t != napi_function || !ToSlot(env, a.argv[2], a.argv[3], &slot)) {
      return Misuse(env, "new Watcher(sock, callback[, Int32Array, index])");
    }
    // From here the socket is this object's: a failure closes it (Abandon).
    Watcher* self = new Watcher(env);
    if (napi_wrap(env, a.self, self, Finalize, nullptr, &self->wrapper_) != napi_ok) {
      delete self;
      return Abandon(env, s, slot, "napi_wrap failed", 0);
    }
    napi_value name;
    if (napi_create_reference(env, a.argv[1], 0, &self->cb_) != napi_ok ||
        napi_create_string_utf8(env, "listenconfig:message", NAPI_AUTO_LENGTH, &name) != napi_ok ||
        napi_async_init(env, nullptr, name, &self->async_) != napi_ok) {
      return Abandon(env, s, slot, "Node-API refused the watcher's references", 0);
    }
    uv_loop_t* loop = nullptr;
    int err = 0;
    if (napi_get_uv_event_loop(env, &loop) == napi_ok) self->w_ = lc::ReadyWatcher::New(loop, s, OnReady, self, &err);
    if (self->w_ == nullptr) {
      std::string text = "uv_poll_init failed: " + std::to_string(err);
      return Abandon(env, s, slot, text.c_str(), err);
    }
    // The watcher owns the socket: the batch slot lets go of it now, in
    // the same native step (no JavaScript runs between the two).
    if (slot != nullptr && *slot == (int32_t)s) *slot = -1;
    napi_add_async_cleanup_hook(env, OnEnvCleanup, self, &self->hook_);
    return a.self;
  }

  // The optional (slots, index) arguments: an accept batch and the slot
  // that holds the socket. undefined: none.
  static bool ToSlot(napi_env env, napi_value slots, napi_value index, int32_t** out) {
    napi_valuetype t;
    if (napi_typeof(env, slots, &t) != napi_ok) return false;
    if (t == napi_undefined) return true;
    bool is = false;
    napi_typedarray_type type;
    size_t len, offset;
    void* data;
    napi_value ab;
    int32_t i;
    if (napi_is_typedarray(env, slots, &is) != napi_ok || !is ||
        napi_get_typedarray_info(env, slots, &type, &len, &data, &ab, &offset) != napi_ok || type != napi_int32_array ||
        !ToInt(env, index, &i) || i < 0 || (size_t)i >= len) {
      return false;
    }
    *out = static_cast<int32_t*>(data) + i;
    return true;
  }

  // A constructor that took the socket and cannot watch it: closes the
  // socket (clearing its slot) and throws, unless an exception is pending
  // already or JavaScript can no longer run. Returns nullptr.
  static napi_value Abandon(napi_env env, sock_t s, int32_t* slot, const char* text, int err) {
    lc::Close(s);
    if (slot != nullptr && *slot == (int32_t)s) *slot = -1;
    bool pending = false;
    if (napi_is_exception_pending(env, &pending) != napi_ok || pending) return nullptr;
    napi_value msg, code, e;
    if (napi_create_string_utf8(env, text, NAPI_AUTO_LENGTH, &msg) == napi_ok &&
        napi_create_string_utf8(env, "ERR_LISTENCONFIG_POLL", NAPI_AUTO_LENGTH, &code) == napi_ok &&
        napi_create_error(env, code, msg, &e) == napi_ok) {
      if (err != 0) SetNamed(env, e, "errno", Num(env, err));
      napi_throw(env, e);
    }
    return nullptr;
  }

  static void Finalize(napi_env env, void* data, void* hint) {
    (void)hint;
    Watcher* self = static_cast<Watcher*>(data);
    if (self->w_ != nullptr) self->ReleaseWatcher();
    self->StopHolding();
    if (self->async_ != nullptr) napi_async_destroy(env, self->async_);
    if (self->wrapper_ != nullptr) napi_delete_reference(env, self->wrapper_);
    delete self;
  }

  template <napi_value (Watcher::*M)(napi_env, napi_value)>
  static napi_value Method(napi_env env, napi_callback_info info) {
    napi_value self_js, arg;
    size_t argc = 1;
    void* p = nullptr;
    if (napi_get_cb_info(env, info, &argc, &arg, &self_js, nullptr) != napi_ok ||
        napi_unwrap(env, self_js, &p) != napi_ok || p == nullptr) {
      return nullptr;
    }
    if (argc < 1) napi_get_undefined(env, &arg);
    return (static_cast<Watcher*>(p)->*M)(env, arg);
  }

  static void OnReady(void* ctx, int status, int events) {
    Watcher* self = static_cast<Watcher*>(ctx);
    if (!self->CallJs(status, events)) {
      // The environment is going away: watch nothing more.
      if (self->w_ != nullptr) self->w_->Start(0);
      self->StopHolding();
    }
  }

  // As Acceptor::CallJs.
  bool CallJs(int status, int events) {
    napi_env env = env_;
    napi_handle_scope scope;
    if (napi_open_handle_scope(env, &scope) != napi_ok) return false;
    bool ran = false;
    napi_value cb = nullptr, recv = nullptr, argv[2], result;
    if (cb_ != nullptr && napi_get_reference_value(env, cb_, &cb) == napi_ok && cb != nullptr &&
        napi_get_reference_value(env, wrapper_, &recv) == napi_ok && recv != nullptr &&
        napi_create_int32(env, status, &argv[0]) == napi_ok && napi_create_int32(env, events, &argv[1]) == napi_ok) {
      napi_status st = napi_make_callback(env, async_, recv, cb, 2, argv, &result);
      if (st == napi_ok) {
        ran = true;
      } else {
        bool pending = false;
        napi_value exc = nullptr;
        if (napi_is_exception_pending(env, &pending) == napi_ok && pending) {
          napi_get_and_clear_last_exception(env, &exc);
        }
        if (exc != nullptr && Acceptor::JsCanRun(env)) {
          napi_fatal_exception(env, exc);
          ran = true;
        }
      }
    }
    napi_close_handle_scope(env, scope);
    return ran;
  }

  void StopHolding() {
    if (cb_ != nullptr) napi_delete_reference(env_, cb_);
    cb_ = nullptr;
    strong_ = false;
  }

  static void OnEnvCleanup(napi_async_cleanup_hook_handle handle, void* arg) {
    Watcher* self = static_cast<Watcher*>(arg);
    self->hook_ = nullptr;
    lc::ReadyWatcher* w = self->w_;
    self->w_ = nullptr;
    w->Close([](void* h) { napi_remove_async_cleanup_hook(static_cast<napi_async_cleanup_hook_handle>(h)); }, handle);
  }

  int ReleaseWatcher() {
    lc::ReadyWatcher* w = w_;
    w_ = nullptr;
    if (hook_ != nullptr) {
      napi_remove_async_cleanup_hook(hook_);
      hook_ = nullptr;
    }
    return w->Close();
  }

  // start(events) -> 0 | -err
  napi_value Start(napi_env env, napi_value arg) {
    int32_t events = 0;
    if (!ToInt(env, arg, &events)) return Misuse(env, "start(events)");
    if (w_ == nullptr || cb_ == nullptr) return Num(env, -1);
    int r = w_->Start(events);
    uint32_t count;
    if (r == 0 && events != 0 && !strong_) {
      if (napi_reference_ref(env, cb_, &count) == napi_ok) strong_ = true;
    } else if (r == 0 && events == 0 && strong_) {
      napi_reference_unref(env, cb_, &count);
      strong_ = false;
    }
    return Num(env, r);
  }
  napi_value Ref(napi_env env, napi_value) {
    if (w_ != nullptr) w_->Ref();
    return Undefined(env);
  }
  napi_value Unref(napi_env env, napi_value) {
    if (w_ != nullptr) w_->Unref();
    return Undefined(env);
  }
  // close() -> 0 | -err (closing the socket)
  napi_value CloseJs(napi_env env, napi_value) {
    int r = w_ == nullptr ? 0 : ReleaseWatcher();
    StopHolding();
    return Num(env, r);
  }

  napi_env env_;
  napi_ref wrapper_ = nullptr;
  lc::ReadyWatcher* w_ = nullptr;
  napi_async_cleanup_hook_handle hook_ = nullptr;
  napi_ref cb_ = nullptr;
  bool strong_ = false;
  napi_async_context async_ = nullptr;
};

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
      !Export(env, exports, "inheritAcceptOptions", InheritAcceptOptions) ||
      !Export(env, exports, "listenQueue", ListenQueue) || !Export(env, exports, "strerror", StrError) ||
      !Export(env, exports, "connect", Connect) || !Export(env, exports, "getpeername", GetPeerName) ||
      !Export(env, exports, "recvmsg", RecvMsg) || !Export(env, exports, "sendmsg", SendMsg) ||
      !SetNamed(env, exports, "Acceptor", Acceptor::Define(env)) ||
      !SetNamed(env, exports, "Watcher", Watcher::Define(env))) {
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
