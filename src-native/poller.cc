#include "poller.h"

#include <string.h>

namespace lc {

bool Poller::Init(Poller* w, uv_loop_t* loop, sock_t s, int* err) {
  // Zeroed, so a handle libuv never initialised reads as UV_UNKNOWN_HANDLE.
  memset(&w->poll_, 0, sizeof w->poll_);
#ifdef _WIN32
  int r = uv_poll_init_socket(loop, &w->poll_, s);
#else
  int r = uv_poll_init(loop, &w->poll_, s);
#endif
  w->poll_.data = w;
  if (r == 0) {
    w->sock_ = s;
    return true;
  }
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
  return false;
}

int Poller::Close(void (*done)(void*), void* arg) {
  if (closed_) return 0;
  closed_ = true;
  done_ = done;
  done_arg_ = arg;
  // uv_close stops the poll and removes the descriptor from epoll at once,
  // so closing the socket right after cannot race the poller.
  uv_close(reinterpret_cast<uv_handle_t*>(&poll_), OnClosed);
  return lc::Close(sock_);
}

void Poller::OnClosed(uv_handle_t* h) {
  Poller* w = static_cast<Poller*>(h->data);
  void (*done)(void*) = w->done_;
  void* arg = w->done_arg_;
  delete w;
  if (done != nullptr) done(arg);
}

ReadyWatcher* ReadyWatcher::New(uv_loop_t* loop, sock_t s, OnReady cb, void* ctx, int* err) {
  ReadyWatcher* w = new ReadyWatcher();
  if (!Init(w, loop, s, err)) return nullptr;
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

void ReadyWatcher::OnPoll(uv_poll_t* h, int status, int events) {
  ReadyWatcher* w = static_cast<ReadyWatcher*>(Of(h));
  if (w->closed_) return;
  // libuv stops the poll itself on an error.
  if (status < 0) w->events_ = 0;
  w->cb_(w->ctx_, status, events);
}

}  // namespace lc
