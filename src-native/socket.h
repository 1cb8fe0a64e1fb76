// The portable socket interface of listenconfig's native module.
//
// One function per OS call, in the manner of socket2's sys layer: posix.cc
// implements it with BSD sockets, win.cc with Winsock. Every function
// returns 0 (or a non-negative value) on success and a negative OS error
// number on failure (-errno on POSIX, -WSAGetLastError() on Windows), so
// the Node-API glue in addon.cc never
// has to know which OS it runs on.
#ifndef LISTENCONFIG_SOCKET_H_
#define LISTENCONFIG_SOCKET_H_

#include <cstddef>
#include <cstdint>
#include <string>

namespace lc {

#ifdef _WIN32
typedef uintptr_t sock_t;  // SOCKET
#else
typedef int sock_t;        // file descriptor
#endif

// socket(2): a TCP stream socket of family 4 or 6, non-blocking and
// close-on-exec from the start, so no window exists where a fork inherits it.
int64_t Socket(int family);

// setsockopt(2) / getsockopt(2), unchanged.
int SetSockOpt(sock_t s, int level, int name, const void* value, size_t len);
int GetSockOpt(sock_t s, int level, int name, void* value, size_t* len);

// bind(2) to a numeric address. zone is an interface name or number for IPv6
// link-local addresses, or empty.
int Bind(sock_t s, int family, const char* ip, const char* zone, int port);

// listen(2). The kernel may clamp backlog without saying so; see ListenQueue.
int Listen(sock_t s, int backlog);

// getsockname(2), as a numeric address string, zone and port.
struct SockName {
  int family;  // 4 or 6
  std::string ip;
  std::string zone;
  int port;
};
int GetSockName(sock_t s, SockName* out);

// close(2).
int Close(sock_t s);

// The accept queue of a listening socket: connections waiting now and the
// effective backlog after the kernel's clamp. Linux reports both through
// getsockopt(TCP_INFO) (tcpi_unacked, tcpi_sacked); elsewhere this returns
// a negative error and callers compute what they can.
int ListenQueue(sock_t s, uint32_t* queued, uint32_t* backlog);

// Options applied to every accepted connection inside the accept batch, so
// JavaScript crosses into C once per wake-up rather than once per option.
// A negative field means "leave the OS default"; keepalive < 0 leaves
// SO_KEEPALIVE untouched.
struct AcceptOptions {
  int keepalive = -1;  // 1 on, 0 off, <0 untouched
  int idle = -1;       // seconds (TCP_KEEPIDLE)
  int interval = -1;   // seconds (TCP_KEEPINTVL)
  int count = -1;      // probes (TCP_KEEPCNT)
  bool nodelay = false;
};

// Sets opts on a listening socket, before listen(2), where the OS copies
// them into every connection it accepts. Returns 1 when it did (Linux clones
// each accepted socket from the listener, keep-alive timer included, so the
// batch need not set them again), 0 when the OS gives no such guarantee (the
// caller passes opts to AcceptBatch instead), or a negative error.
int InheritAcceptOptions(sock_t s, const AcceptOptions& opts);

// accept4(2) up to max times, until the queue is empty. Returns how many
// connections were accepted into out; *err is 0, or the negative error that
// stopped the batch (transient errors such as ECONNABORTED are skipped, as
// Go's accept loop does).
int AcceptBatch(sock_t s, sock_t* out, int max, const AcceptOptions& opts,
                int* err);

// The OS's text for an error number returned above.
std::string StrError(int err);

// The socket option levels and names this OS defines, for control hooks.
struct Constant {
  const char* name;
  int value;
};
// Returns the table and its length.
const Constant* Constants(size_t* n);

}  // namespace lc

#endif  // LISTENCONFIG_SOCKET_H_
