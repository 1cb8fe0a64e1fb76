#include "acceptor.h"

namespace lc {

Acceptor* Acceptor::New(uv_loop_t* loop, sock_t s, const ConnOptions& o, OnAccept cb, void* ctx, int* err) {
  Acceptor* w = new Acceptor();
  if (!Init(w, loop, s, err)) return nullptr;
  // What the listener did not carry into its connections (socket.h).
  w->opts_ = PerConnectionOptions(s, o);
  w->cb_ = cb;
  w->ctx_ = ctx;
  return w;
}

void Acceptor::SetOptions(const ConnOptions& o) {
  opts_ = PerConnectionOptions(sock_, o);
}

int Acceptor::Start() {
  if (closed_) return 0;
  if (!active_) {
    int r = uv_poll_start(&poll_, UV_READABLE, OnPoll);
    if (r != 0) return r;
    active_ = true;
  }
  armed_ = true;
  SyncRef();
  return 0;
}

void Acceptor::Stop() {
  if (closed_ || !armed_) return;
  armed_ = false;
  SyncRef();
}

void Acceptor::Ref() {
  ref_ = true;
  SyncRef();
}

void Acceptor::Unref() {
  ref_ = false;
  SyncRef();
}

// Only a pending accept() keeps the process alive, as a listening net.Server
// does; a poll left registered by a lazy Stop() must not.
void Acceptor::SyncRef() {
  if (closed_) return;
  uv_handle_t* h = reinterpret_cast<uv_handle_t*>(&poll_);
  if (ref_ && armed_)
    uv_ref(h);
  else
    uv_unref(h);
}

void Acceptor::OnPoll(uv_poll_t* h, int status, int events) {
  (void)events;
  Acceptor* w = static_cast<Acceptor*>(Of(h));
  if (w->closed_) return;
  if (!w->armed_) {
    // Nobody is waiting: leave the connections in the kernel's queue.
    uv_poll_stop(&w->poll_);
    w->active_ = false;
    return;
  }
  // On an error (POLLERR) libuv has stopped the poll itself: the next
  // Start() must start it again.
  if (status < 0) w->active_ = false;
  sock_t socks[kAcceptBatch];
  int err = status;  // a libuv error (negative errno on POSIX) or 0
  int n = 0;
  if (status == 0) n = AcceptBatch(w->sock_, socks, kAcceptBatch, w->opts_, &err);
  if (n == 0 && err == 0) return;  // spurious wake-up: another process won
  w->cb_(w->ctx_, socks, n, err);
}

}  // namespace lc
