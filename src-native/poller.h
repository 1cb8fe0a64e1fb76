// A uv_poll_t on a socket this object owns: what the accept watcher
// (acceptor.h) and a message socket's readiness watcher (ReadyWatcher,
// below) share. Each starts the poll only while JavaScript waits; the
// socket's I/O is theirs or JavaScript's, never the poll's.
#ifndef LISTENCONFIG_POLLER_H_
#define LISTENCONFIG_POLLER_H_

#include <uv.h>

#include "socket.h"

namespace lc {

class Poller {
 public:
  // Stops watching, closes the socket and frees this object once libuv has
  // released the handle, then calls done(arg) if given. No callback runs
  // after Close(). Returns the error of closing the socket.
  int Close(void (*done)(void*) = nullptr, void* arg = nullptr);
  bool closed() const { return closed_; }
  sock_t socket() const { return sock_; }
  // Whether the poll keeps the loop alive (uv_ref/uv_unref), as each
  // watcher defines it.
  virtual void Ref() = 0;
  virtual void Unref() = 0;

 protected:
  Poller() = default;
  virtual ~Poller() = default;
  // uv_poll_init of s for w. On failure frees w (through libuv's close
  // callback when libuv linked the handle), sets *err and returns false.
  static bool Init(Poller* w, uv_loop_t* loop, sock_t s, int* err);
  // The Poller a libuv callback's handle belongs to.
  static Poller* Of(uv_poll_t* h) { return static_cast<Poller*>(h->data); }

  uv_poll_t poll_;
  sock_t sock_;
  bool closed_ = false;

 private:
  static void OnClosed(uv_handle_t* h);

  void (*done_)(void*) = nullptr;
  void* done_arg_ = nullptr;
};

// The readiness watcher of a message socket (unixgram, unixpacket, raw IP):
// the poll runs only while JavaScript has a read or a write pending, for
// the events it waits for; the I/O itself is JavaScript's (one
// recvmsg/sendmsg per message), as Go's poller only says when to retry.
class ReadyWatcher : public Poller {
 public:
  // status: 0 or a libuv error; events: UV_READABLE | UV_WRITABLE.
  typedef void (*OnReady)(void* ctx, int status, int events);

  // Takes ownership of s. Returns nullptr and sets *err if the loop refuses it.
  static ReadyWatcher* New(uv_loop_t* loop, sock_t s, OnReady cb, void* ctx, int* err);

  // uv_poll_start for events; 0 stops (uv_poll_stop). Idempotent.
  int Start(int events);
  void Ref() override;
  void Unref() override;

 private:
  ReadyWatcher() = default;
  static void OnPoll(uv_poll_t* h, int status, int events);

  OnReady cb_ = nullptr;
  void* ctx_ = nullptr;
  int events_ = 0;
};

}  // namespace lc

#endif  // LISTENCONFIG_POLLER_H_
