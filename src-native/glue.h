// What the Node-API glue files share (addon.cc, js_acceptor.cc,
// js_watcher.cc): argument conversion, and PollObject, the base of the two
// JavaScript objects over a poller (poller.h).
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
#ifndef LISTENCONFIG_GLUE_H_
#define LISTENCONFIG_GLUE_H_

#include <node_api.h>

#include "poller.h"
#include "socket.h"

namespace lc {
namespace js {

constexpr size_t kMaxArgs = 7;

struct Args {
  napi_value argv[kMaxArgs];
  size_t argc = kMaxArgs;
  napi_value self = nullptr;
};

// The call's arguments; those not given read as undefined.
bool GetArgs(napi_env env, napi_callback_info info, Args* a);
napi_value Num(napi_env env, double d);
napi_value Undefined(napi_env env);
// Throws a TypeError for a misuse of the binding (lib/native.ts is its only
// caller); returns nullptr, which Node-API reads as undefined.
napi_value Misuse(napi_env env, const char* what);
bool ToInt(napi_env env, napi_value v, int32_t* out);
bool ToSock(napi_env env, napi_value v, sock_t* out);
bool SetNamed(napi_env env, napi_value o, const char* k, napi_value v);
// [keepalive, idle, interval, count, nodelay], as lib/keepalive.ts builds it.
bool ToConnOptions(napi_env env, napi_value v, ConnOptions* opts);
// Throws an ERR_LISTENCONFIG_POLL Error with `text` (and `errno`, unless
// err is 0), unless an exception is pending already. Returns nullptr.
napi_value ThrowPollError(napi_env env, const char* text, int err);

// The JavaScript constructors of js_acceptor.cc and js_watcher.cc.
napi_value DefineAcceptor(napi_env env);
napi_value DefineWatcher(napi_env env);

// A JavaScript object that owns a Poller and calls back into JavaScript on
// its events. The callback is held strongly only while something is
// watched (Hold): a pending accept() or read keeps its object alive, as a
// goroutine blocked in Accept or Read keeps Go's; weakly otherwise, so a
// dropped object is collected and the finalizer closes the socket. A
// worker's cleanup hook closes it too.
class PollObject {
 public:
  // ref(), unref(), and close() -> 0 | -err (the error of closing the
  // socket; what Release() lets go of is dropped too).
  napi_value RefJs(napi_env env, napi_value);
  napi_value UnrefJs(napi_env env, napi_value);
  napi_value CloseJs(napi_env env, napi_value);

 protected:
  explicit PollObject(napi_env env) : env_(env) {}
  virtual ~PollObject() = default;

  // napi_wrap of js; on failure deletes self and returns false. From a
  // success on the finalizer owns self.
  static bool Wrap(PollObject* self, napi_value js);
  // Takes cb (weakly) and an async context named `resource`; false if
  // Node-API refused (the finalizer frees what was made).
  bool TakeCallback(napi_value cb, const char* resource);
  // Adopts the poller (and with it the socket), and closes it when the
  // environment goes away; Node keeps the loop running until libuv has
  // released it.
  void Watch(Poller* w);

  // this.method(arg) for a T; undefined when Node-API refuses to unwrap
  // (the environment is stopping).
  template <class T, napi_value (T::*M)(napi_env, napi_value)>
  static napi_value Method(napi_env env, napi_callback_info info) {
    napi_value self_js, arg;
    size_t argc = 1;
    void* p = nullptr;
    if (napi_get_cb_info(env, info, &argc, &arg, &self_js, nullptr) != napi_ok ||
        napi_unwrap(env, self_js, &p) != napi_ok || p == nullptr) {
      return nullptr;
    }
    if (argc < 1) napi_get_undefined(env, &arg);
    return (static_cast<T*>(static_cast<PollObject*>(p))->*M)(env, arg);
  }

  // The object and its wrapper were collected (it was dropped while open),
  // or the environment is being torn down.
  static void Finalize(napi_env env, void* data, void* hint);

  // Calls cb(a, b). Returns false when JavaScript cannot run in this
  // environment (no exception pending, or JavaScript stopped while it ran).
  bool CallJs(int a, int b);
  void Hold(napi_env env);
  void Unhold(napi_env env);
  // Closes the poller (and the socket) now; the error of closing the socket.
  int ReleaseWatcher();
  // Lets go of every JavaScript value this object holds but its wrapper.
  virtual void Release();
  // The environment is going away; the poller is about to close.
  virtual void OnEnvGone() {}

  napi_env env_;
  napi_ref wrapper_ = nullptr;  // weak: the JavaScript object
  Poller* w_ = nullptr;
  napi_ref cb_ = nullptr;
  bool strong_ = false;  // cb_ held strongly: something is watched

 private:
  static void OnEnvCleanup(napi_async_cleanup_hook_handle handle, void* arg);

  napi_async_cleanup_hook_handle hook_ = nullptr;
  napi_async_context async_ = nullptr;
};

}  // namespace js
}  // namespace lc

#endif  // LISTENCONFIG_GLUE_H_
