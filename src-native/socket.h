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
typedef int sock_t;  // file descriptor
#endif

// socket(2) with the OS's own domain, type and protocol numbers (AF_INET6,
// SOCK_STREAM, 0: the table of Constants() has them), non-blocking and
// close-on-exec from the start, so no window exists where a fork inherits it.
int64_t Socket(int domain, int type, int protocol);

// Go's setDefaultSockopts (sockopt_linux.go, sockopt_bsd.go,
// sockopt_windows.go), right after socket(): IPV6_V6ONLY as v6only says on
// an AF_INET6 socket, SO_BROADCAST on a datagram one. Errors of IPV6_V6ONLY
// are ignored as Go ignores them (some systems never admit the option).
int SetDefaultSockopts(sock_t s, int domain, int type, bool v6only);

// Go's setDefaultListenerSockopts: SO_REUSEADDR on POSIX, nothing on
// Windows, where it would let a second socket bind the port this one
// listens on (and Windows reuses TIME_WAIT addresses anyway).
int SetDefaultListenerSockopts(sock_t s);

// Go's setDefaultMulticastSockopts, for a datagram socket bound to a
// multicast group's port: SO_REUSEADDR, so other programs can join the same
// group and port; on macOS and the BSDs SO_REUSEPORT as well, which they
// need for the same effect.
int SetDefaultMulticastSockopts(sock_t s);

// setsockopt(2) / getsockopt(2), unchanged.
int SetSockOpt(sock_t s, int level, int name, const void* value, size_t len);
int GetSockOpt(sock_t s, int level, int name, void* value, size_t* len);

// The one address type of bind and getsockname (sockaddr.h converts it).
struct SockAddr {
  int domain = 0;    // AF_INET, AF_INET6 or AF_UNIX, the OS's numbers
  std::string host;  // a numeric IP, or a unix path ("@name": Linux's abstract namespace)
  std::string zone;  // IPv6 zone: an interface name or number, or empty
  int port = 0;
};

// bind(2).
int Bind(sock_t s, const SockAddr& addr);

// listen(2). The kernel may clamp backlog without saying so; see ListenQueue.
int Listen(sock_t s, int backlog);

// getsockname(2).
int GetSockName(sock_t s, SockAddr* out);

// close(2).
int Close(sock_t s);

// connect(2), for a message socket's fixed peer (Go's DialUnix). A
// non-blocking unix connect either completes or fails at once (EAGAIN: the
// peer's queue is full), so no wait for writability follows.
int Connect(sock_t s, const SockAddr& addr);

// getpeername(2).
int GetPeerName(sock_t s, SockAddr* out);

// recvmsg(2) of one message: its bytes into buf, ancillary data into oob,
// the sender's address into *from (domain 0 when the socket has none).
// Received descriptors are close-on-exec: MSG_CMSG_CLOEXEC where the OS
// has it (Linux, FreeBSD), else fcntl(FD_CLOEXEC) on each right after
// recvmsg (macOS, as Go's syscall users must). Returns the byte count (the message's part that fit) or a
// negative error; *flags gets msg_flags (MSG_TRUNC, MSG_CTRUNC), *oobn the
// ancillary bytes written.
int64_t RecvMsg(sock_t s, void* buf, size_t len, void* oob, size_t ooblen, int* flags, size_t* oobn, SockAddr* from);

// Closes the descriptors of the SCM_RIGHTS messages in oob[0, oobn): what
// RecvMsg received when its result cannot reach the caller.
void CloseRights(void* oob, size_t oobn);

// sendmsg(2) of one message to `to`, or to the connected peer when `to` is
// nullptr. MSG_NOSIGNAL where the OS has it: a closed peer is EPIPE, not a
// signal. Returns the bytes sent or a negative error.
int64_t SendMsg(sock_t s, const void* buf, size_t len, const void* oob, size_t ooblen, const SockAddr* to);

// The accept queue of a listening socket: connections waiting now and the
// effective backlog after the kernel's clamp. Linux reports both through
// getsockopt(TCP_INFO) (tcpi_unacked, tcpi_sacked); elsewhere this returns
// a negative error and callers compute what they can.
int ListenQueue(sock_t s, uint32_t* queued, uint32_t* backlog);

// Options applied to every accepted connection inside the accept batch, so
// JavaScript crosses into C once per wake-up rather than once per option.
// A negative field means "leave the OS default"; keepalive < 0 leaves
// SO_KEEPALIVE untouched.
struct ConnOptions {
  int keepalive = -1;  // 1 on, 0 off, <0 untouched
  int idle = -1;       // seconds (TCP_KEEPIDLE)
  int interval = -1;   // seconds (TCP_KEEPINTVL)
  int count = -1;      // probes (TCP_KEEPCNT)
  bool nodelay = false;
};

// Sets on a listening socket those of opts that the OS copies into every
// connection it accepts (all of them on Linux, none elsewhere): before
// listen(2), or later to change what new connections get (serve() does,
// lib/serve.ts). Keep-alive and TCP_NODELAY that opts leaves off are turned
// off, and keep-alive timers it leaves at -1 go back to the values a fresh
// socket has (the kernel's defaults), so a second call undoes the first.
// Returns 0 or a negative error.
int InheritConnOptions(sock_t s, const ConnOptions& opts);

// What InheritConnOptions leaves to be set on each accepted connection
// of the listening socket listener: the accept batch sets these. Together
// the two say, in the one place the OS fact lives, which options travel
// with the listener; on Linux, those the listener really holds (read back).
ConnOptions PerConnectionOptions(sock_t listener, const ConnOptions& opts);

// accept4(2) up to max times, until the queue is empty. Returns how many
// connections were accepted into out; *err is 0, or the negative error that
// stopped the batch (transient errors such as ECONNABORTED are skipped, as
// Go's accept loop does).
int AcceptBatch(sock_t s, sock_t* out, int max, const ConnOptions& opts, int* err);

// sysctlbyname(3) of an unsigned 32-bit value (Go's syscall.SysctlUint32),
// for maxListenerBacklog on macOS and the BSDs; a negative error elsewhere.
int SysctlUint32(const char* name, uint32_t* out);

// The OS's text for an error number returned above.
std::string StrError(int err);

// The socket option levels and names this OS defines, for control hooks.
struct Constant {
  const char* name;
  int value;
};
// Returns the table and its length.
const Constant* Constants(size_t* n);

// fcntl(F_DUPFD_CLOEXEC): a close-on-exec duplicate of s, sharing its open
// file description (and so O_NONBLOCK) with every other copy. For Go's
// File() and FileListener; Windows has no descriptor to hand on this way.
int64_t DupCloexec(sock_t s);

// fcntl(F_SETFD, FD_CLOEXEC): s is closed on exec from now on. For
// descriptors this process inherited without it (socket activation's, as
// go-systemd's CloseOnExec). 0 or -err.
int SetCloexec(sock_t s);

}  // namespace lc

#endif  // LISTENCONFIG_SOCKET_H_
