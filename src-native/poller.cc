#include "poller.h"

#include <string.h>

namespace lc {

AcceptWatcher* AcceptWatcher::New(uv_loop_t* loop, sock_t s, const ConnOptions& o, OnAccept cb, void* ctx, int* err) {
  AcceptWatcher* w = new AcceptWatcher();
  // Zeroed, so a handle libuv never initialised reads as UV_UNKNOWN_HANDLE.
  memset(&w->poll_, 0, sizeof w->poll_);
#ifdef _WIN32
  int r = uv_poll_init_socket(loop, &w->poll_, s);
#else
  int r = uv_poll_init(loop, &w->poll_, s);
#endif
  w->poll_.data = w;
  if (r != 0) {
    *err = r;
    // Windows' uv_poll_init_socket links the handle into the loop before
    // its getsockopt(SO_PROTOCOL_INFOW), which can fail: such a handle must
    // be closed and freed in the close callback. A failure before that
    // (FIONBIO) leaves it untouched (type still UV_UNKNOWN_HANDLE), as every
    // POSIX failure does, and uv_close would abort on it.
    if (w->poll_.type == UV_POLL) {
      w->closed_ = true;
      uv_close(reinterpret_cast<uv_handle_t*>(&w->poll_), OnClosed);
    } else {
      delete w;
    }
    return nullptr;
  }
  w->sock_ = s;
  // What the listener did not carry into its connections (socket.h).
  w->opts_ = PerConnectionOptions(s, o);
  w->cb_ = cb;
  w->ctx_ = ctx;
  return w;
}

void AcceptWatcher::SetOptions(const ConnOptions& o) {
  opts_ = PerConnectionOptions(sock_, o);
}

int AcceptWatcher::Start() {
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

void AcceptWatcher::Stop() {
  if (closed_ || !armed_) return;
  armed_ = false;
  SyncRef();
}

void AcceptWatcher::Ref() {
  ref_ = true;
  SyncRef();
}

void AcceptWatcher::Unref() {
  ref_ = false;
  SyncRef();
}

// Only a pending accept() keeps the process alive, as a listening net.Server
// does; a poll left registered by a lazy Stop() must not.
void AcceptWatcher::SyncRef() {
  if (closed_) return;
  uv_handle_t* h = reinterpret_cast<uv_handle_t*>(&poll_);
  if (ref_ && armed_)
    uv_ref(h);
  else
    uv_unref(h);
}

int AcceptWatcher::Close(void (*done)(void*), void* arg) {
  if (closed_) return 0;
  closed_ = true;
  done_ = done;
  done_arg_ = arg;
  active_ = false;
  armed_ = false;
  // uv_close stops the poll and removes the descriptor from epoll at once,
  // so closing the socket right after cannot race the poller.
  uv_close(reinterpret_cast<uv_handle_t*>(&poll_), OnClosed);
  return lc::Close(sock_);
}

void AcceptWatcher::OnClosed(uv_handle_t* h) {
  AcceptWatcher* w = static_cast<AcceptWatcher*>(h->data);
  void (*done)(void*) = w->done_;
  void* arg = w->done_arg_;
  delete w;
  if (done != nullptr) done(arg);
}

void AcceptWatcher::OnPoll(uv_poll_t* h, int status, int events) {
  (void)events;
  AcceptWatcher* w = static_cast<AcceptWatcher*>(h->data);
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

ReadyWatcher* ReadyWatcher::New(uv_loop_t* loop, sock_t s, OnReady cb, void* ctx, int* err) {
  ReadyWatcher* w = new ReadyWatcher();
  memset(&w->poll_, 0, sizeof w->poll_);
#ifdef _WIN32
  int r = uv_poll_init_socket(loop, &w->poll_, s);
#else
  int r = uv_poll_init(loop, &w->poll_, s);
#endif
  w->poll_.data = w;
  if (r != 0) {
    *err = r;
    // As in AcceptWatcher::New: only a handle libuv linked may be closed.
    if (w->poll_.type == UV_POLL) {
      w->closed_ = true;
      uv_close(reinterpret_cast<uv_handle_t*>(&w->poll_), OnClosed);
    } else {
      delete w;
    }
    return nullptr;
  }
  w->sock_ = s;
  w->cb_ = cb;
  w->ctx_ = ctx;
  return w;
}

int ReadyWatcher::Start(int events) {
  if (closed_ || events == events_) return 0;
  if (events == 0) {
    uv_poll_stop(&poll_);
    events_ = 0;
    return 0;
  }
  int r = uv_poll_start(&poll_, events, OnPoll);
  if (r != 0) return r;
  events_ = events;
  return 0;
}

void ReadyWatcher::Ref() {
  if (!closed_) uv_ref(reinterpret_cast<uv_handle_t*>(&poll_));
}

void ReadyWatcher::Unref() {
  if (!closed_) uv_unref(reinterpret_cast<uv_handle_t*>(&poll_));
}

int ReadyWatcher::Close(void (*done)(void*), void* arg) {
  if (closed_) return 0;
  closed_ = true;
  done_ = done;
  done_arg_ = arg;
  events_ = 0;
  uv_close(reinterpret_cast<uv_handle_t*>(&poll_), OnClosed);
  return lc::Close(sock_);
}

void ReadyWatcher::OnClosed(uv_handle_t* h) {
  ReadyWatcher* w = static_cast<ReadyWatcher*>(h->data);
  void (*done)(void*) = w->done_;
  void* arg = w->done_arg_;
  delete w;
  if (done != nullptr) done(arg);
}

void ReadyWatcher::OnPoll(uv_poll_t* h, int status, int events) {
  ReadyWatcher* w = static_cast<ReadyWatcher*>(h->data);
  if (w->closed_) return;
  // libuv stops the poll itself on an error.
  if (status < 0) w->events_ = 0;
  w->cb_(w->ctx_, status, events);
}

}  // namespace lc
