// The accept watcher: a uv_poll_t on the listening socket that accepts only
// while JavaScript has an accept() pending (armed), so that with nobody
// accepting every connection stays in the kernel's queue and the backlog
// means what it says.
//
// Disarming is lazy: Stop() leaves the poll registered (and unref'd) and the
// next wake-up that finds it disarmed stops it without accepting. An accept
// loop re-arms before that wake-up, so in steady state the poll is never
// stopped and restarted: libuv would pay epoll_ctl ADD (EEXIST) and MOD
// for each restart.
#ifndef LISTENCONFIG_POLLER_H_
#define LISTENCONFIG_POLLER_H_

#include <uv.h>

#include "socket.h"

namespace lc {

// Connections taken from the kernel per wake-up. Small, so that pull
// semantics stay close to Go's (at most kAcceptBatch - 1 connections leave
// the queue ahead of an accept() call), large enough to amortise the crossing
// into JavaScript under load.
constexpr int kAcceptBatch = 8;

class AcceptWatcher {
 public:
  // Called on the loop's thread with the accepted sockets and the error that
  // ended the batch (0 if none). The callee calls Stop() when nobody waits
  // any more: it must decide before JavaScript's microtasks run, since they
  // may already have asked for the next connection.
  typedef void (*OnAccept)(void* ctx, const sock_t* socks, int n, int err);

  // Takes ownership of the listening socket s. Returns nullptr and sets *err
  // if the loop refuses the socket.
  static AcceptWatcher* New(uv_loop_t* loop, sock_t s, const ConnOptions& o, OnAccept cb, void* ctx, int* err);

  // The options set on each accepted connection from now on (of opts, what
  // the listener does not carry: PerConnectionOptions).
  void SetOptions(const ConnOptions& o);
  int Start();  // arms; uv_poll_start(UV_READABLE) unless still polling
  void Stop();  // disarms: no accept until Start(); idempotent
  // Whether an armed watcher keeps the loop alive (a disarmed one never does).
  void Ref();
  void Unref();
  // Stops watching, closes the listening socket and frees this object once
  // libuv has released the handle, then calls done(arg) if given. No accept
  // callback runs after Close().
  int Close(void (*done)(void*) = nullptr, void* arg = nullptr);
  bool closed() const { return closed_; }
  sock_t socket() const { return sock_; }

 private:
  AcceptWatcher() = default;
  static void OnPoll(uv_poll_t* h, int status, int events);
  static void OnClosed(uv_handle_t* h);

  uv_poll_t poll_;
  sock_t sock_;
  ConnOptions opts_;
  OnAccept cb_ = nullptr;
  void* ctx_ = nullptr;
  void (*done_)(void*) = nullptr;
  void* done_arg_ = nullptr;
  void SyncRef();

  bool active_ = false;  // uv_poll started
  bool armed_ = false;   // an accept() is pending in JavaScript
  bool ref_ = true;      // Ref()/Unref() as the user asked
  bool closed_ = false;
};

// The readiness watcher of a message socket (unixgram, unixpacket, raw IP):
// a uv_poll_t started only while JavaScript has a read or a write pending,
// for the events it waits for; the I/O itself is JavaScript's (one
// recvmsg/sendmsg per message), as Go's poller only says when to retry.
class ReadyWatcher {
 public:
  // status: 0 or a libuv error; events: UV_READABLE | UV_WRITABLE.
  typedef void (*OnReady)(void* ctx, int status, int events);

  // Takes ownership of s. Returns nullptr and sets *err if the loop refuses it.
  static ReadyWatcher* New(uv_loop_t* loop, sock_t s, OnReady cb, void* ctx, int* err);

  // uv_poll_start for events; 0 stops (uv_poll_stop). Idempotent.
  int Start(int events);
  void Ref();
  void Unref();
  // As AcceptWatcher::Close: no callback after it; the socket is closed.
  int Close(void (*done)(void*) = nullptr, void* arg = nullptr);
  bool closed() const { return closed_; }

 private:
  ReadyWatcher() = default;
  static void OnPoll(uv_poll_t* h, int status, int events);
  static void OnClosed(uv_handle_t* h);

  uv_poll_t poll_;
  sock_t sock_;
  OnReady cb_ = nullptr;
  void* ctx_ = nullptr;
  void (*done_)(void*) = nullptr;
  void* done_arg_ = nullptr;
  int events_ = 0;
  bool closed_ = false;
};

}  // namespace lc

#endif  // LISTENCONFIG_POLLER_H_
