// Node-API glue: argument conversion only. Socket calls live behind socket.h
// (posix.cc, win.cc), the accept watcher in poller.cc. Functions return
// a non-negative result or a negative OS error number; lib/native.ts turns
// those into OpErrors, so no error text is built here.
#include <napi.h>

#include "poller.h"
#include "socket.h"

namespace {

using lc::sock_t;

sock_t ToSock(const Napi::Value& v) {
  return static_cast<sock_t>(v.As<Napi::Number>().Int64Value());
}

Napi::Value Num(Napi::Env env, double v) { return Napi::Number::New(env, v); }

// socket(family) -> sock | -err
Napi::Value Socket(const Napi::CallbackInfo& info) {
  return Num(info.Env(), (double)lc::Socket(info[0].As<Napi::Number>().Int32Value()));
}

// setsockopt(sock, level, name, buffer) -> 0 | -err
Napi::Value SetSockOpt(const Napi::CallbackInfo& info) {
  auto buf = info[3].As<Napi::Uint8Array>();
  return Num(info.Env(), lc::SetSockOpt(ToSock(info[0]), info[1].As<Napi::Number>().Int32Value(),
                                       info[2].As<Napi::Number>().Int32Value(), buf.Data(),
                                       buf.ByteLength()));
}

// getsockopt(sock, level, name, buffer) -> bytes written | -err
Napi::Value GetSockOpt(const Napi::CallbackInfo& info) {
  auto buf = info[3].As<Napi::Uint8Array>();
  size_t len = buf.ByteLength();
  int r = lc::GetSockOpt(ToSock(info[0]), info[1].As<Napi::Number>().Int32Value(),
                         info[2].As<Napi::Number>().Int32Value(), buf.Data(), &len);
  return Num(info.Env(), r < 0 ? r : (double)len);
}

// bind(sock, family, ip, zone, port) -> 0 | -err
Napi::Value Bind(const Napi::CallbackInfo& info) {
  std::string ip = info[2].As<Napi::String>().Utf8Value();
  std::string zone = info[3].As<Napi::String>().Utf8Value();
  return Num(info.Env(), lc::Bind(ToSock(info[0]), info[1].As<Napi::Number>().Int32Value(),
                                 ip.c_str(), zone.c_str(), info[4].As<Napi::Number>().Int32Value()));
}

// listen(sock, backlog) -> 0 | -err
Napi::Value Listen(const Napi::CallbackInfo& info) {
  return Num(info.Env(), lc::Listen(ToSock(info[0]), info[1].As<Napi::Number>().Int32Value()));
}

// getsockname(sock) -> { family, ip, zone, port } | -err
Napi::Value GetSockName(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  lc::SockName sn;
  int r = lc::GetSockName(ToSock(info[0]), &sn);
  if (r < 0) return Num(env, r);
  Napi::Object o = Napi::Object::New(env);
  o.Set("family", sn.family);
  o.Set("ip", sn.ip);
  o.Set("zone", sn.zone);
  o.Set("port", sn.port);
  return o;
}

// close(sock) -> 0 | -err
Napi::Value Close(const Napi::CallbackInfo& info) {
  return Num(info.Env(), lc::Close(ToSock(info[0])));
}

// listenQueue(sock) -> [queued, backlog] | -err
// [keepalive, idle, interval, count, nodelay], as lib/keepalive.ts builds it.
lc::AcceptOptions ToAcceptOptions(const Napi::Value& v) {
  Napi::Array o = v.As<Napi::Array>();
  lc::AcceptOptions opts;
  opts.keepalive = o.Get(0u).As<Napi::Number>().Int32Value();
  opts.idle = o.Get(1u).As<Napi::Number>().Int32Value();
  opts.interval = o.Get(2u).As<Napi::Number>().Int32Value();
  opts.count = o.Get(3u).As<Napi::Number>().Int32Value();
  opts.nodelay = o.Get(4u).ToBoolean().Value();
  return opts;
}

Napi::Value InheritAcceptOptions(const Napi::CallbackInfo& info) {
  return Num(info.Env(), lc::InheritAcceptOptions(ToSock(info[0]), ToAcceptOptions(info[1])));
}

Napi::Value ListenQueue(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  uint32_t queued = 0, backlog = 0;
  int r = lc::ListenQueue(ToSock(info[0]), &queued, &backlog);
  if (r < 0) return Num(env, r);
  Napi::Array a = Napi::Array::New(env, 2);
  a.Set(0u, queued);
  a.Set(1u, backlog);
  return a;
}

// strerror(err) -> the OS's text
Napi::Value StrError(const Napi::CallbackInfo& info) {
  return Napi::String::New(info.Env(), lc::StrError(info[0].As<Napi::Number>().Int32Value()));
}

// new Acceptor(sock, [keepalive, idle, interval, count, nodelay], out, cb)
//
// Owns the listening socket from then on. While started, each wake-up
// accepts up to kAcceptBatch connections into the Int32Array `out` and calls
// cb(n, err) once; cb calls stop() when no accept() is pending.
//
// References to JavaScript (issue 10): cb is held strongly only while an
// accept is pending (started): that is what keeps a Listener with a
// waiting accept() alive, as a goroutine blocked in Accept keeps Go's. A
// stopped Acceptor holds cb weakly, so a Listener nobody references can be
// collected (lib/listener.ts closes it then), and close() drops cb and
// `out` altogether.
class Acceptor : public Napi::ObjectWrap<Acceptor> {
 public:
  static Napi::Function Init(Napi::Env env) {
    return DefineClass(env, "Acceptor",
                       {InstanceMethod<&Acceptor::Start>("start"),
                        InstanceMethod<&Acceptor::Stop>("stop"),
                        InstanceMethod<&Acceptor::Ref>("ref"),
                        InstanceMethod<&Acceptor::Unref>("unref"),
                        InstanceMethod<&Acceptor::CloseJs>("close"),
                        StaticValue("batch", Napi::Number::New(env, lc::kAcceptBatch))});
  }

  explicit Acceptor(const Napi::CallbackInfo& info)
      : Napi::ObjectWrap<Acceptor>(info),
        async_(info.Env(), "listenconfig:accept") {
    Napi::Env env = info.Env();
    if (info.Length() < 4 || !info[0].IsNumber() || !info[1].IsArray() || !info[2].IsTypedArray() ||
        !info[3].IsFunction()) {
      Napi::TypeError::New(env, "Acceptor(sock, options, out, cb)").ThrowAsJavaScriptException();
      return;
    }
    sock_t s = ToSock(info[0]);
    lc::AcceptOptions opts = ToAcceptOptions(info[1]);
    Napi::Int32Array out = info[2].As<Napi::Int32Array>();
    if (out.TypedArrayType() != napi_int32_array || out.ElementLength() < (size_t)lc::kAcceptBatch) {
      Napi::RangeError::New(env, "accept buffer too small").ThrowAsJavaScriptException();
      return;
    }
    out_ = Napi::Persistent(out);
    out_data_ = out.Data();
    for (int i = 0; i < lc::kAcceptBatch; i++) out_data_[i] = -1;
    cb_ = Napi::Persistent(info[3].As<Napi::Function>());
    cb_.Unref();  // weak until start()
    uv_loop_t* loop = nullptr;
    napi_get_uv_event_loop(env, &loop);
    int err = 0;
    w_ = lc::AcceptWatcher::New(loop, s, opts, OnAccept, this, &err);
    if (w_ == nullptr) {
      Napi::Error e = Napi::Error::New(env, "uv_poll_init failed");
      e.Set("errno", Napi::Number::New(env, err));
      e.ThrowAsJavaScriptException();
      return;
    }
    // Worker threads: close the handle and socket when the environment
    // goes away; Node keeps the loop running until libuv has released it.
    napi_add_async_cleanup_hook(env, OnEnvCleanup, this, &hook_);
  }

  // A collected Acceptor (its Listener was dropped) still closes its socket.
  ~Acceptor() override {
    if (w_ != nullptr) ReleaseWatcher();
    CloseBatch();
  }

 private:
  static void OnAccept(void* ctx, const sock_t* socks, int n, int err) {
    Acceptor* self = static_cast<Acceptor*>(ctx);
    // A SOCKET fits in 32 bits (Windows keeps handle values below 2^32 so
    // that 32-bit processes can share them); Node's TCPWrap::Open takes an
    // int too. Slots from n on are -1 already: JavaScript clears each slot
    // it hands out, and a wake-up accepts only once all are handed out.
    for (int i = 0; i < n; i++) self->out_data_[i] = (int32_t)socks[i];
    if (!self->CallJs(n, err)) {
      // The environment is going away (worker terminate, process exit):
      // JavaScript will never take these. Close them and accept no more.
      self->CloseBatch();
      if (self->w_ != nullptr) self->w_->Stop();
      self->StopHolding();
    }
  }

  // Calls cb(n, err) with the raw C API: node-addon-api would turn a
  // refused call into a C++ exception whose Error constructor calls into
  // JavaScript again, which aborts the process while a worker is being
  // terminated ("FATAL ERROR: Error::Error napi_define_properties", issue
  // 10). Returns false when JavaScript cannot run in this environment.
  bool CallJs(int n, int err) {
    napi_env env = Env();
    napi_handle_scope scope;
    if (napi_open_handle_scope(env, &scope) != napi_ok) return false;
    bool ran = false;
    napi_value cb = nullptr, recv = nullptr, argv[2], result;
    if (!cb_.IsEmpty() && napi_get_reference_value(env, cb_, &cb) == napi_ok && cb != nullptr &&
        napi_get_reference_value(env, static_cast<napi_ref>(*this), &recv) == napi_ok &&
        recv != nullptr && napi_create_int32(env, n, &argv[0]) == napi_ok &&
        napi_create_int32(env, err, &argv[1]) == napi_ok) {
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
        // Node calls; a refused one (no exception, or JavaScript stopped
        // while it ran) means the environment is stopping.
        if (exc != nullptr && JsCanRun(env)) {
          napi_fatal_exception(env, exc);
          ran = true;
        }
      }
    }
    napi_close_handle_scope(env, scope);
    return ran;
  }

  // Node-API refuses calls that need JavaScript once an environment stops
  // (napi_set_named_property checks that first, and does nothing here
  // beyond setting a property of a fresh object).
  static bool JsCanRun(napi_env env) {
    napi_value o;
    if (napi_create_object(env, &o) != napi_ok) return false;
    return napi_set_named_property(env, o, "x", o) == napi_ok;
  }

  // Sockets of the last batch that JavaScript never handed out;
  // lib/listener.ts sets -1 on each slot once a net.Socket owns it.
  void CloseBatch() {
    if (out_data_ == nullptr) return;
    for (int i = 0; i < lc::kAcceptBatch; i++) {
      if (out_data_[i] >= 0) lc::Close((sock_t)out_data_[i]);
      out_data_[i] = -1;
    }
  }

  // Lets go of every JavaScript value this object holds.
  void StopHolding() {
    if (!cb_.IsEmpty()) cb_.Reset();
    if (!out_.IsEmpty()) out_.Reset();
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
    w->Close(
        [](void* h) {
          napi_remove_async_cleanup_hook(static_cast<napi_async_cleanup_hook_handle>(h));
        },
        handle);
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

  Napi::Value Start(const Napi::CallbackInfo& info) {
    if (w_ == nullptr || cb_.IsEmpty()) return Num(info.Env(), -1);
    int r = w_->Start();
    if (r == 0 && !strong_) {
      cb_.Ref();
      strong_ = true;
    }
    return Num(info.Env(), r);
  }
  Napi::Value Stop(const Napi::CallbackInfo& info) {
    if (w_ != nullptr) w_->Stop();
    if (strong_) {
      cb_.Unref();
      strong_ = false;
    }
    return info.Env().Undefined();
  }
  Napi::Value Ref(const Napi::CallbackInfo& info) {
    if (w_ != nullptr) w_->Ref();
    return info.Env().Undefined();
  }
  Napi::Value Unref(const Napi::CallbackInfo& info) {
    if (w_ != nullptr) w_->Unref();
    return info.Env().Undefined();
  }
  // close() -> 0 | -err (the error of closing the listening socket). Closes
  // the batch's sockets not handed out, and drops cb and out.
  Napi::Value CloseJs(const Napi::CallbackInfo& info) {
    int r = w_ == nullptr ? 0 : ReleaseWatcher();
    CloseBatch();
    StopHolding();
    return Num(info.Env(), r);
  }

  lc::AcceptWatcher* w_ = nullptr;
  napi_async_cleanup_hook_handle hook_ = nullptr;
  Napi::FunctionReference cb_;
  bool strong_ = false;  // cb_ held strongly: an accept is pending
  Napi::Reference<Napi::Int32Array> out_;
  int32_t* out_data_ = nullptr;
  Napi::AsyncContext async_;
};

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("socket", Napi::Function::New<Socket>(env, "socket"));
  exports.Set("setsockopt", Napi::Function::New<SetSockOpt>(env, "setsockopt"));
  exports.Set("getsockopt", Napi::Function::New<GetSockOpt>(env, "getsockopt"));
  exports.Set("bind", Napi::Function::New<Bind>(env, "bind"));
  exports.Set("listen", Napi::Function::New<Listen>(env, "listen"));
  exports.Set("getsockname", Napi::Function::New<GetSockName>(env, "getsockname"));
  exports.Set("close", Napi::Function::New<Close>(env, "close"));
  exports.Set("inheritAcceptOptions", Napi::Function::New<InheritAcceptOptions>(env, "inheritAcceptOptions"));
  exports.Set("listenQueue", Napi::Function::New<ListenQueue>(env, "listenQueue"));
  exports.Set("strerror", Napi::Function::New<StrError>(env, "strerror"));
  exports.Set("Acceptor", Acceptor::Init(env));
  Napi::Object c = Napi::Object::New(env);
  size_t n = 0;
  const lc::Constant* table = lc::Constants(&n);
  for (size_t i = 0; i < n; i++) c.Set(table[i].name, table[i].value);
  exports.Set("constants", c);
  return exports;
}

}  // namespace

NODE_API_MODULE(listenconfig, Init)
