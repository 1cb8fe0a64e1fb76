// The accept watcher (lc::Acceptor; the JavaScript Acceptor of
// js_acceptor.cc drives it): a poll on the listening socket that accepts
// only while JavaScript has an accept() pending (armed), so that with
// nobody accepting every connection stays in the kernel's queue and the
// backlog means what it says.
//
// Disarming is lazy: Stop() leaves the poll registered (and unref'd) and the
// next wake-up that finds it disarmed stops it without accepting. An accept
// loop re-arms before that wake-up, so in steady state the poll is never
// stopped and restarted: libuv would pay epoll_ctl ADD (EEXIST) and MOD
// for each restart.
#ifndef LISTENCONFIG_ACCEPTOR_H_
#define LISTENCONFIG_ACCEPTOR_H_

#include "poller.h"

namespace lc {

// Connections taken from the kernel per wake-up. Small, so that pull
// semantics stay close to Go's (at most kAcceptBatch - 1 connections leave
// the queue ahead of an accept() call), large enough to amortise the crossing
// into JavaScript under load.
constexpr int kAcceptBatch = 8;

class Acceptor : public Poller {
 public:
  // Called on the loop's thread with the accepted sockets and the error that
  // ended the batch (0 if none). The callee calls Stop() when nobody waits
  // any more: it must decide before JavaScript's microtasks run, since they
  // may already have asked for the next connection.
  typedef void (*OnAccept)(void* ctx, const sock_t* socks, int n, int err);

  // Takes ownership of the listening socket s. Returns nullptr and sets *err
  // if the loop refuses the socket.
  static Acceptor* New(uv_loop_t* loop, sock_t s, const ConnOptions& o, OnAccept cb, void* ctx, int* err);

  // The options set on each accepted connection from now on (of opts, what
  // the listener does not carry: PerConnectionOptions).
  void SetOptions(const ConnOptions& o);
  int Start();  // arms; uv_poll_start(UV_READABLE) unless still polling
  void Stop();  // disarms: no accept until Start(); idempotent
  // Whether an armed watcher keeps the loop alive (a disarmed one never does).
  void Ref() override;
  void Unref() override;

 private:
  Acceptor() = default;
  static void OnPoll(uv_poll_t* h, int status, int events);
  void SyncRef();

  ConnOptions opts_;
  OnAccept cb_ = nullptr;
  void* ctx_ = nullptr;
  bool active_ = false;  // uv_poll started
  bool armed_ = false;   // an accept() is pending in JavaScript
  bool ref_ = true;      // Ref()/Unref() as the user asked
};

}  // namespace lc

#endif  // LISTENCONFIG_ACCEPTOR_H_
