#include "glue.h"

#include <string>

namespace lc {
namespace js {

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

bool SetNamed(napi_env env, napi_value o, const char* k, napi_value v) {
  return v != nullptr && napi_set_named_property(env, o, k, v) == napi_ok;
}

bool ToConnOptions(napi_env env, napi_value v, ConnOptions* opts) {
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

napi_value ThrowPollError(napi_env env, const char* text, int err) {
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

namespace {

// Node-API refuses calls that need JavaScript once an environment stops
// (napi_define_properties checks that first). Defining an own property
// of a fresh object runs no user code: a setter on Object.prototype
// would, and could throw.
bool JsCanRun(napi_env env) {
  napi_value o;
  if (napi_create_object(env, &o) != napi_ok) return false;
  napi_property_descriptor d = {"x", nullptr, nullptr, nullptr, nullptr, o, napi_default, nullptr};
  return napi_define_properties(env, o, 1, &d) == napi_ok;
}

}  // namespace

bool PollObject::Wrap(PollObject* self, napi_value js) {
  if (napi_wrap(self->env_, js, self, Finalize, nullptr, &self->wrapper_) == napi_ok) return true;
  delete self;
  return false;
}

bool PollObject::TakeCallback(napi_value cb, const char* resource) {
  napi_value name;
  return napi_create_reference(env_, cb, 0, &cb_) == napi_ok &&  // weak until Hold()
         napi_create_string_utf8(env_, resource, NAPI_AUTO_LENGTH, &name) == napi_ok &&
         napi_async_init(env_, nullptr, name, &async_) == napi_ok;
}

void PollObject::Watch(Poller* w) {
  w_ = w;
  napi_add_async_cleanup_hook(env_, OnEnvCleanup, this, &hook_);
}

void PollObject::Finalize(napi_env env, void* data, void* hint) {
  (void)hint;
  PollObject* self = static_cast<PollObject*>(data);
  if (self->w_ != nullptr) self->ReleaseWatcher();
  self->Release();
  if (self->async_ != nullptr) napi_async_destroy(env, self->async_);
  if (self->wrapper_ != nullptr) napi_delete_reference(env, self->wrapper_);
  delete self;
}

bool PollObject::CallJs(int a, int b) {
  napi_env env = env_;
  napi_handle_scope scope;
  if (napi_open_handle_scope(env, &scope) != napi_ok) return false;
  bool ran = false;
  napi_value cb = nullptr, recv = nullptr, argv[2], result;
  if (cb_ != nullptr && napi_get_reference_value(env, cb_, &cb) == napi_ok && cb != nullptr &&
      napi_get_reference_value(env, wrapper_, &recv) == napi_ok && recv != nullptr &&
      napi_create_int32(env, a, &argv[0]) == napi_ok && napi_create_int32(env, b, &argv[1]) == napi_ok) {
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

void PollObject::Hold(napi_env env) {
  uint32_t count;
  if (!strong_ && napi_reference_ref(env, cb_, &count) == napi_ok) strong_ = true;
}

void PollObject::Unhold(napi_env env) {
  uint32_t count;
  if (!strong_) return;
  napi_reference_unref(env, cb_, &count);
  strong_ = false;
}

napi_value PollObject::RefJs(napi_env env, napi_value) {
  if (w_ != nullptr) w_->Ref();
  return Undefined(env);
}

napi_value PollObject::UnrefJs(napi_env env, napi_value) {
  if (w_ != nullptr) w_->Unref();
  return Undefined(env);
}

napi_value PollObject::CloseJs(napi_env env, napi_value) {
  int r = w_ == nullptr ? 0 : ReleaseWatcher();
  Release();
  return Num(env, r);
}

int PollObject::ReleaseWatcher() {
  Poller* w = w_;
  w_ = nullptr;
  if (hook_ != nullptr) {
    napi_remove_async_cleanup_hook(hook_);
    hook_ = nullptr;
  }
  return w->Close();
}

void PollObject::Release() {
  if (cb_ != nullptr) napi_delete_reference(env_, cb_);
  cb_ = nullptr;
  strong_ = false;
}

void PollObject::OnEnvCleanup(napi_async_cleanup_hook_handle handle, void* arg) {
  PollObject* self = static_cast<PollObject*>(arg);
  self->hook_ = nullptr;
  Poller* w = self->w_;
  self->w_ = nullptr;
  self->OnEnvGone();
  w->Close([](void* h) { napi_remove_async_cleanup_hook(static_cast<napi_async_cleanup_hook_handle>(h)); }, handle);
}

}  // namespace js
}  // namespace lc
