// new Watcher(sock, callback[, slots, index]): the JavaScript side of a
// message socket's readiness watcher (poller.h, ReadyWatcher; used by
// lib/msgconn.ts).
//
// Owns the socket from the call on: when the constructor fails it closes the
// socket itself (and throws), so the caller never closes it. With an accept
// batch (slots, an Int32Array, and index), the slot is set to -1 in the same
// native step that takes the socket: a worker terminated between the two
// must not leave the socket to both the Acceptor's batch and this object's
// cleanup hook, which would close the number twice (the second time,
// perhaps another thread's file). start(events) watches for UV_READABLE (1)
// and/or UV_WRITABLE (2) and calls callback(status, events) on readiness;
// start(0) stops. The callback is held as the Acceptor's is (glue.h,
// PollObject): strongly only while something is watched.
#include <string>

#include "glue.h"

namespace lc {
namespace js {
namespace {

class Watcher : public PollObject {
 public:
  static napi_value Define(napi_env env) {
    napi_property_descriptor props[] = {
        {"start", nullptr, Method<Watcher, &Watcher::Start>, nullptr, nullptr, nullptr, napi_default, nullptr},
        {"ref", nullptr, Method<PollObject, &PollObject::RefJs>, nullptr, nullptr, nullptr, napi_default, nullptr},
        {"unref", nullptr, Method<PollObject, &PollObject::UnrefJs>, nullptr, nullptr, nullptr, napi_default, nullptr},
        {"close", nullptr, Method<PollObject, &PollObject::CloseJs>, nullptr, nullptr, nullptr, napi_default, nullptr},
    };
    napi_value cons = nullptr;
    napi_define_class(env, "Watcher", NAPI_AUTO_LENGTH, New, nullptr, sizeof props / sizeof props[0], props, &cons);
    return cons;
  }

 private:
  explicit Watcher(napi_env env) : PollObject(env) {}

  ReadyWatcher* watcher() const { return static_cast<ReadyWatcher*>(w_); }

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
    if (!Wrap(self, a.self)) return Abandon(env, s, slot, "napi_wrap failed", 0);
    if (!self->TakeCallback(a.argv[1], "listenconfig:message")) {
      return Abandon(env, s, slot, "Node-API refused the watcher's references", 0);
    }
    uv_loop_t* loop = nullptr;
    int err = 0;
    ReadyWatcher* w = nullptr;
    if (napi_get_uv_event_loop(env, &loop) == napi_ok) w = ReadyWatcher::New(loop, s, OnReady, self, &err);
    if (w == nullptr) {
      std::string text = "uv_poll_init failed: " + std::to_string(err);
      return Abandon(env, s, slot, text.c_str(), err);
    }
    // The watcher owns the socket: the batch slot lets go of it now, in
    // the same native step (no JavaScript runs between the two).
    if (slot != nullptr && *slot == (int32_t)s) *slot = -1;
    self->Watch(w);
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
    return ThrowPollError(env, text, err);
  }

  static void OnReady(void* ctx, int status, int events) {
    Watcher* self = static_cast<Watcher*>(ctx);
    if (!self->CallJs(status, events)) {
      // The environment is going away: watch nothing more.
      if (self->w_ != nullptr) self->watcher()->Start(0);
      self->Release();
    }
  }

  // start(events) -> 0 | -err
  napi_value Start(napi_env env, napi_value arg) {
    int32_t events = 0;
    if (!ToInt(env, arg, &events)) return Misuse(env, "start(events)");
    if (w_ == nullptr || cb_ == nullptr) return Num(env, -1);
    int r = watcher()->Start(events);
    if (r == 0 && events != 0) Hold(env);
    if (r == 0 && events == 0) Unhold(env);
    return Num(env, r);
  }
};

}  // namespace

napi_value DefineWatcher(napi_env env) {
  return Watcher::Define(env);
}

}  // namespace js
}  // namespace lc
