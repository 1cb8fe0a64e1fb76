// new Acceptor(sock, [keepalive, idle, interval, count, nodelay], out, cb):
// the JavaScript side of the accept watcher (acceptor.h).
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
#include <string>

#include "acceptor.h"
#include "glue.h"

namespace lc {
namespace js {
namespace {

class Acceptor : public PollObject {
 public:
  static napi_value Define(napi_env env) {
    napi_value batch = Num(env, kAcceptBatch);
    napi_property_descriptor props[] = {
        {"start", nullptr, Method<Acceptor, &Acceptor::Start>, nullptr, nullptr, nullptr, napi_default, nullptr},
        {"stop", nullptr, Method<Acceptor, &Acceptor::Stop>, nullptr, nullptr, nullptr, napi_default, nullptr},
        {"ref", nullptr, Method<PollObject, &PollObject::RefJs>, nullptr, nullptr, nullptr, napi_default, nullptr},
        {"unref", nullptr, Method<PollObject, &PollObject::UnrefJs>, nullptr, nullptr, nullptr, napi_default, nullptr},
        {"close", nullptr, Method<PollObject, &PollObject::CloseJs>, nullptr, nullptr, nullptr, napi_default, nullptr},
        {"setOptions", nullptr, Method<Acceptor, &Acceptor::SetOptions>, nullptr, nullptr, nullptr, napi_default,
         nullptr},
        {"batch", nullptr, nullptr, nullptr, nullptr, batch, napi_static, nullptr},
    };
    napi_value cons = nullptr;
    napi_define_class(env, "Acceptor", NAPI_AUTO_LENGTH, New, nullptr, sizeof props / sizeof props[0], props, &cons);
    return cons;
  }

 private:
  explicit Acceptor(napi_env env) : PollObject(env) {}

  lc::Acceptor* watcher() const { return static_cast<lc::Acceptor*>(w_); }

  static napi_value New(napi_env env, napi_callback_info info) {
    Args a;
    sock_t s;
    ConnOptions opts;
    bool is_ta = false;
    napi_valuetype t;
    if (!GetArgs(env, info, &a) || !ToSock(env, a.argv[0], &s) || !ToConnOptions(env, a.argv[1], &opts) ||
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
        type != napi_int32_array || len < (size_t)kAcceptBatch) {
      napi_throw_range_error(env, "ERR_OUT_OF_RANGE", "accept buffer too small");
      return nullptr;
    }
    Acceptor* self = new Acceptor(env);
    if (!Wrap(self, a.self)) return nullptr;
    // From here the finalizer owns self, and frees what was made so far.
    self->out_data_ = static_cast<int32_t*>(data);
    for (int i = 0; i < kAcceptBatch; i++) self->out_data_[i] = -1;
    if (napi_create_reference(env, a.argv[2], 1, &self->out_) != napi_ok ||
        !self->TakeCallback(a.argv[3], "listenconfig:accept")) {
      self->out_data_ = nullptr;
      return nullptr;
    }
    uv_loop_t* loop = nullptr;
    int err = 0;
    lc::Acceptor* w = nullptr;
    if (napi_get_uv_event_loop(env, &loop) == napi_ok) w = lc::Acceptor::New(loop, s, opts, OnAccept, self, &err);
    if (w == nullptr) {
      self->out_data_ = nullptr;
      std::string text = "uv_poll_init failed: " + std::to_string(err);
      return ThrowPollError(env, text.c_str(), err);
    }
    self->Watch(w);
    return a.self;
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
      if (self->w_ != nullptr) self->watcher()->Stop();
      self->Release();
    }
  }

  // Sockets of the last batch that JavaScript never handed out;
  // lib/stream-listener.ts sets -1 on each slot once Node owns its socket.
  void CloseBatch() {
    if (out_data_ == nullptr) return;
    for (int i = 0; i < kAcceptBatch; i++) {
      if (out_data_[i] >= 0) lc::Close((sock_t)out_data_[i]);
      out_data_[i] = -1;
    }
  }

  // The batch's sockets not handed out are closed, and cb and out dropped.
  void Release() override {
    CloseBatch();
    PollObject::Release();
    if (out_ != nullptr) napi_delete_reference(env_, out_);
    out_ = nullptr;
    out_data_ = nullptr;
  }

  void OnEnvGone() override {
    CloseBatch();
    out_data_ = nullptr;  // JavaScript is gone: nothing hands out a slot again
  }

  napi_value Start(napi_env env, napi_value) {
    if (w_ == nullptr || cb_ == nullptr) return Num(env, -1);
    int r = watcher()->Start();
    if (r == 0) Hold(env);
    return Num(env, r);
  }
  napi_value Stop(napi_env env, napi_value) {
    if (w_ != nullptr) watcher()->Stop();
    Unhold(env);
    return Undefined(env);
  }
  // setOptions([keepalive, idle, interval, count, nodelay]): what each
  // connection accepted from now on gets (socket.h, PerConnectionOptions).
  napi_value SetOptions(napi_env env, napi_value arg) {
    ConnOptions opts;
    if (!ToConnOptions(env, arg, &opts)) return Misuse(env, "acceptor.setOptions(options)");
    if (w_ != nullptr) watcher()->SetOptions(opts);
    return nullptr;
  }

  napi_ref out_ = nullptr;
  int32_t* out_data_ = nullptr;
};

}  // namespace

napi_value DefineAcceptor(napi_env env) {
  return Acceptor::Define(env);
}

}  // namespace js
}  // namespace lc
