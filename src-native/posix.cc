// POSIX implementation of socket.h: Linux, macOS and the BSDs.
#ifndef _WIN32

#include "socket.h"
#include "sockaddr.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#if defined(__APPLE__) || defined(__FreeBSD__) || defined(__NetBSD__) || defined(__OpenBSD__) || defined(__DragonFly__)
#include <sys/types.h>
#include <sys/sysctl.h>
#endif
#include <unistd.h>
#ifdef __linux__
#include <sys/syscall.h>
#endif

#if defined(__linux__)
// Multipath TCP's numbers are the kernel's ABI (Linux 5.6 and 5.16). Older
// glibc headers lack the first two and MPTCP_INFO is only in
// <linux/mptcp.h>, so a build on an older sysroot still knows them; on a
// kernel without MPTCP they only meet EPROTONOSUPPORT/ENOPROTOOPT.
#ifndef IPPROTO_MPTCP
#define IPPROTO_MPTCP 262
#endif
#ifndef SOL_MPTCP
#define SOL_MPTCP 284
#endif
#ifndef MPTCP_INFO
#define MPTCP_INFO 1
#endif
#endif

namespace lc {

namespace {

int SetInt(sock_t s, int level, int name, int v) {
  return setsockopt(s, level, name, &v, sizeof v);
}

#if defined(__linux__)
// getsockopt(2) of an int option; false when the socket refuses it.
bool GetInt(sock_t s, int level, int name, int* v) {
  socklen_t len = sizeof *v;
  return getsockopt(s, level, name, v, &len) == 0 && len == sizeof *v;
}

// Whether the listening socket s holds want for an option (a flag: only
// on or off counts): an option it refused, or cannot report, is not
// inherited by its connections.
bool Holds(sock_t s, int level, int name, int want, bool flag = false) {
  int v;
  if (!GetInt(s, level, name, &v)) return false;
  return flag ? (v != 0) == (want != 0) : v == want;
}
#endif

#if !defined(__linux__) && !defined(__FreeBSD__) && !defined(__NetBSD__) && !defined(__OpenBSD__) && \
    !defined(__DragonFly__)
// macOS has no SOCK_NONBLOCK/SOCK_CLOEXEC and no accept4(2); set the flags
// right after the call instead, as Go does on darwin (sys_cloexec.go).
int SetNonblockCloexec(int fd) {
  if (fcntl(fd, F_SETFD, FD_CLOEXEC) < 0) return -errno;
  int fl = fcntl(fd, F_GETFL);
  if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0) return -errno;
  return 0;
}
#define LC_NO_ACCEPT4 1
#endif

// Go's accept loop retries these: the peer gave up before we got to it.
bool Transient(int e) {
  return e == ECONNABORTED || e == EINTR || e == EPROTO;
}

void ApplyConnOptions(int fd, const ConnOptions& o) {
  // Errors are ignored, as in Go's TCPListener.accept: the connection is
  // still usable without them.
  if (o.nodelay) SetInt(fd, IPPROTO_TCP, TCP_NODELAY, 1);
  if (o.keepalive >= 0) SetInt(fd, SOL_SOCKET, SO_KEEPALIVE, o.keepalive);
#if defined(TCP_KEEPIDLE)
  if (o.idle >= 0) SetInt(fd, IPPROTO_TCP, TCP_KEEPIDLE, o.idle);
#elif defined(TCP_KEEPALIVE)  // macOS names TCP_KEEPIDLE this way
  if (o.idle >= 0) SetInt(fd, IPPROTO_TCP, TCP_KEEPALIVE, o.idle);
#endif
#if defined(TCP_KEEPINTVL)
  if (o.interval >= 0) SetInt(fd, IPPROTO_TCP, TCP_KEEPINTVL, o.interval);
#endif
#if defined(TCP_KEEPCNT)
  if (o.count >= 0) SetInt(fd, IPPROTO_TCP, TCP_KEEPCNT, o.count);
#endif
}

}  // namespace

int64_t Socket(int domain, int type, int protocol) {
#ifdef LC_NO_ACCEPT4
  int fd = socket(domain, type, protocol);
  if (fd < 0) return -errno;
  int r = SetNonblockCloexec(fd);
  if (r < 0) {
    close(fd);
    return r;
  }
#else
  int fd = socket(domain, type | SOCK_NONBLOCK | SOCK_CLOEXEC, protocol);
  if (fd < 0) return -errno;
#endif
  return fd;
}

int SetDefaultSockopts(sock_t s, int domain, int type, bool v6only) {
  if (domain == AF_INET6 && type != SOCK_RAW) SetInt(s, IPPROTO_IPV6, IPV6_V6ONLY, v6only ? 1 : 0);
  if ((type == SOCK_DGRAM || type == SOCK_RAW) && domain != AF_UNIX) {
    // Go allows broadcast datagrams by default.
    if (SetInt(s, SOL_SOCKET, SO_BROADCAST, 1) < 0) return -errno;
  }
  return 0;
}

int SetDefaultListenerSockopts(sock_t s) {
  // A restarted server can bind while old connections sit in TIME_WAIT.
  return SetInt(s, SOL_SOCKET, SO_REUSEADDR, 1) < 0 ? -errno : 0;
}

int SetDefaultMulticastSockopts(sock_t s) {
  if (SetInt(s, SOL_SOCKET, SO_REUSEADDR, 1) < 0) return -errno;
#if defined(SO_REUSEPORT) && !defined(__linux__)
  if (SetInt(s, SOL_SOCKET, SO_REUSEPORT, 1) < 0) return -errno;
#endif
  return 0;
}

int SetSockOpt(sock_t s, int level, int name, const void* value, size_t len) {
  return setsockopt(s, level, name, value, (socklen_t)len) < 0 ? -errno : 0;
}

int GetSockOpt(sock_t s, int level, int name, void* value, size_t* len) {
  socklen_t l = (socklen_t)*len;
  if (getsockopt(s, level, name, value, &l) < 0) return -errno;
  *len = l;
  return 0;
}

int Bind(sock_t s, const SockAddr& addr) {
  sockaddr_storage ss;
  socklen_t len;
  int r = ToSockaddr(addr, &ss, &len);
  if (r < 0) return r;
  return bind(s, reinterpret_cast<sockaddr*>(&ss), len) < 0 ? -errno : 0;
}

int Listen(sock_t s, int backlog) {
  return listen(s, backlog) < 0 ? -errno : 0;
}

int GetSockName(sock_t s, SockAddr* out) {
  sockaddr_storage ss;
  socklen_t len = sizeof ss;
  memset(&ss, 0, sizeof ss);
  if (getsockname(s, reinterpret_cast<sockaddr*>(&ss), &len) < 0) return -errno;
  return FromSockaddr(ss, len, out);
}

int Close(sock_t s) {
  // On Linux the descriptor is released even when close(2) reports EINTR;
  // retrying could close a descriptor another thread just got.
  return close(s) < 0 && errno != EINTR ? -errno : 0;
}

int Connect(sock_t s, const SockAddr& addr) {
  sockaddr_storage ss;
  socklen_t len;
  int r = ToSockaddr(addr, &ss, &len);
  if (r < 0) return r;
  return connect(s, reinterpret_cast<sockaddr*>(&ss), len) < 0 ? -errno : 0;
}

int GetPeerName(sock_t s, SockAddr* out) {
  sockaddr_storage ss;
  socklen_t len = sizeof ss;
  memset(&ss, 0, sizeof ss);
  if (getpeername(s, reinterpret_cast<sockaddr*>(&ss), &len) < 0) return -errno;
  return FromSockaddr(ss, len, out);
}

namespace {

// Calls f(fd) for each descriptor of the SCM_RIGHTS messages in
// oob[0, oobn), reading no byte past oobn (a cut message's cmsg_len can
// say more than arrived).
template <typename F>
void ForEachRight(void* oob, size_t oobn, F f) {
  if (oob == nullptr || oobn == 0) return;
  msghdr m;
  memset(&m, 0, sizeof m);
  m.msg_control = oob;
  m.msg_controllen = oobn;
  const unsigned char* end = static_cast<unsigned char*>(oob) + oobn;
  for (cmsghdr* c = CMSG_FIRSTHDR(&m); c != nullptr; c = CMSG_NXTHDR(&m, c)) {
    if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS || c->cmsg_len < CMSG_LEN(0)) continue;
    const unsigned char* data = CMSG_DATA(c);
    size_t bytes = c->cmsg_len - CMSG_LEN(0);
    if (data > end) continue;
    if (bytes > (size_t)(end - data)) bytes = (size_t)(end - data);
    for (size_t i = 0; i + sizeof(int) <= bytes; i += sizeof(int)) {
      int fd;
      memcpy(&fd, data + i, sizeof fd);
      f(fd);
    }
  }
}

}  // namespace

void CloseRights(void* oob, size_t oobn) {
  ForEachRight(oob, oobn, [](int fd) { close(fd); });
}

int64_t RecvMsg(sock_t s, void* buf, size_t len, void* oob, size_t ooblen, int* flags, size_t* oobn, SockAddr* from) {
  sockaddr_storage ss;
  memset(&ss, 0, sizeof ss);
  iovec iov = {buf, len};
  msghdr m;
  memset(&m, 0, sizeof m);
  m.msg_name = &ss;
  m.msg_namelen = sizeof ss;
  m.msg_iov = &iov;
  m.msg_iovlen = 1;
  m.msg_control = ooblen > 0 ? oob : nullptr;
  m.msg_controllen = ooblen;
  int f = 0;
#ifdef MSG_CMSG_CLOEXEC
  f |= MSG_CMSG_CLOEXEC;
#endif
  ssize_t n = recvmsg(s, &m, f);
  if (n < 0) return -errno;
  *flags = m.msg_flags;
#ifdef MSG_CMSG_CLOEXEC
  // Linux echoes the request flag back; it says nothing about the message.
  *flags &= ~MSG_CMSG_CLOEXEC;
#endif
  *oobn = m.msg_controllen;
#ifndef MSG_CMSG_CLOEXEC
  // No atomic flag (macOS, older BSDs): mark each received descriptor now.
  // A fork+exec on another thread in between can still inherit one.
  ForEachRight(oob, *oobn, [](int fd) { fcntl(fd, F_SETFD, FD_CLOEXEC); });
#endif
  from->domain = 0;
  from->host.clear();
  from->zone.clear();
  from->port = 0;
  // An unnamed unix peer has a name of the family only (or none at all).
  if (m.msg_namelen > 0) FromSockaddr(ss, m.msg_namelen, from);
  return n;
}

int64_t SendMsg(sock_t s, const void* buf, size_t len, const void* oob, size_t ooblen, const SockAddr* to) {
  sockaddr_storage ss;
  socklen_t sslen = 0;
  if (to != nullptr) {
    int r = ToSockaddr(*to, &ss, &sslen);
    if (r < 0) return r;
  }
  iovec iov = {const_cast<void*>(buf), len};
  msghdr m;
  memset(&m, 0, sizeof m);
  m.msg_name = to != nullptr ? &ss : nullptr;
  m.msg_namelen = sslen;
  m.msg_iov = &iov;
  m.msg_iovlen = 1;
  m.msg_control = ooblen > 0 ? const_cast<void*>(oob) : nullptr;
  m.msg_controllen = ooblen;
  int f = 0;
#ifdef MSG_NOSIGNAL
  f |= MSG_NOSIGNAL;
#endif
  ssize_t n = sendmsg(s, &m, f);
  return n < 0 ? -errno : n;
}

int ListenQueue(sock_t s, uint32_t* queued, uint32_t* backlog) {
#ifdef __linux__
  // For a socket in LISTEN state the kernel reuses two fields of tcp_info:
  // tcpi_unacked is the accept queue length, tcpi_sacked the backlog in
  // force after the somaxconn clamp (tcp_get_info in net/ipv4/tcp.c).
  tcp_info ti;
  socklen_t len = sizeof ti;
  memset(&ti, 0, sizeof ti);
  if (getsockopt(s, IPPROTO_TCP, TCP_INFO, &ti, &len) < 0) return -errno;
  if (ti.tcpi_state != TCP_LISTEN) return -EINVAL;
  *queued = ti.tcpi_unacked;
  *backlog = ti.tcpi_sacked;
  return 0;
#else
  (void)s;
  (void)queued;
  (void)backlog;
  return -ENOTSUP;
#endif
}

int InheritConnOptions(sock_t s, const ConnOptions& opts) {
#if defined(__linux__)
  // tcp_create_openreq_child() starts from a copy of the listener
  // (sk_clone_lock): SO_KEEPALIVE, TCP_KEEPIDLE/KEEPINTVL/KEEPCNT and
  // TCP_NODELAY carry over, and the child's keep-alive timer is armed when
  // SO_KEEPALIVE is set. Setting them once here saves five setsockopt(2)
  // calls per connection; spec/keepalive.spec.mjs reads them back on
  // accepted sockets. On a listening socket they start no timer. An option
  // the socket refuses is left to each connection (PerConnectionOptions).
  ConnOptions o = opts;
  // Test hook (test/keepalive-inherit.test.mjs): refuse the keep-alive
  // timings as an MPTCP socket does on kernels before mid-2024
  // (EOPNOTSUPP), so the fallback can be tested on a newer kernel.
  const char* refuse = getenv("LC_TEST_LISTENER_REFUSES_KEEPALIVE");
  if (refuse != nullptr && refuse[0] == '1') o.idle = o.interval = o.count = -1;
  if (o.keepalive < 0) o.keepalive = 0;
  // A timer opts leaves alone goes back to what a socket that never set it
  // has (the namespace's net.ipv4.tcp_keepalive_* sysctls, read from a
  // fresh socket): a listener an earlier call gave Go's 15 s must not pass
  // them on to connections the server later setKeepAlive(true)s.
  if (o.idle < 0 || o.interval < 0 || o.count < 0) {
    int fresh = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fresh < 0) fresh = socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fresh >= 0) {
      int* fields[] = {&o.idle, &o.interval, &o.count};
      const int names[] = {TCP_KEEPIDLE, TCP_KEEPINTVL, TCP_KEEPCNT};
      for (int i = 0; i < 3; i++) {
        int v = 0;
        socklen_t len = sizeof v;
        if (*fields[i] < 0 && getsockopt(fresh, IPPROTO_TCP, names[i], &v, &len) == 0) *fields[i] = v;
      }
      close(fresh);
    }
  }
  ApplyConnOptions(s, o);
  if (!o.nodelay) SetInt(s, IPPROTO_TCP, TCP_NODELAY, 0);
#else
  (void)s;
  (void)opts;
#endif
  return 0;
}

ConnOptions PerConnectionOptions(sock_t listener, const ConnOptions& opts) {
#if defined(__linux__)
  // Inherited is what the listening socket holds, read back: an MPTCP
  // socket on kernels before mid-2024 refuses TCP_KEEPIDLE, TCP_KEEPINTVL
  // and TCP_KEEPCNT (EOPNOTSUPP, for set and get alike), and without
  // this its connections would silently keep the system's timings. What
  // the listener lacks is set on each connection, as Go does.
  ConnOptions per;
  if (opts.nodelay && !Holds(listener, IPPROTO_TCP, TCP_NODELAY, 1, true)) per.nodelay = true;
  if (opts.keepalive >= 0 && !Holds(listener, SOL_SOCKET, SO_KEEPALIVE, opts.keepalive, true))
    per.keepalive = opts.keepalive;
  if (opts.idle >= 0 && !Holds(listener, IPPROTO_TCP, TCP_KEEPIDLE, opts.idle)) per.idle = opts.idle;
  if (opts.interval >= 0 && !Holds(listener, IPPROTO_TCP, TCP_KEEPINTVL, opts.interval)) per.interval = opts.interval;
  if (opts.count >= 0 && !Holds(listener, IPPROTO_TCP, TCP_KEEPCNT, opts.count)) per.count = opts.count;
  return per;
#else
  (void)listener;
  // BSD and macOS copy some of these in sonewconn()/syncache, not all, and
  // nothing here tests them: keep Go's per-connection calls.
  return opts;
#endif
}

int AcceptBatch(sock_t s, sock_t* out, int max, const ConnOptions& opts, int* err) {
  int n = 0;
  *err = 0;
  while (n < max) {
#ifdef LC_NO_ACCEPT4
    int fd = accept(s, nullptr, nullptr);
    if (fd >= 0 && SetNonblockCloexec(fd) < 0) {
      close(fd);
      continue;
    }
#else
    int fd = accept4(s, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
#endif
    if (fd < 0) {
      int e = errno;
      if (Transient(e)) continue;
      if (e != EAGAIN && e != EWOULDBLOCK) *err = -e;
      break;
    }
    ApplyConnOptions(fd, opts);
    out[n++] = fd;
  }
  return n;
}

int SysctlUint32(const char* name, uint32_t* out) {
#if defined(__APPLE__) || defined(__FreeBSD__) || defined(__NetBSD__) || defined(__OpenBSD__) || defined(__DragonFly__)
  uint32_t v = 0;
  size_t len = sizeof v;
  if (sysctlbyname(name, &v, &len, nullptr, 0) < 0) return -errno;
  // Go's SysctlUint32 fails on any other size: the name is not a uint32.
  if (len != sizeof v) return -EINVAL;
  *out = v;
  return 0;
#else
  (void)name;
  (void)out;
  return -ENOSYS;
#endif
}

std::string StrError(int err) {
  return strerror(err < 0 ? -err : err);
}

#define LC_CONST(x) {#x, x},
static const Constant kConstants[] = {
    LC_CONST(AF_INET) LC_CONST(AF_INET6) LC_CONST(AF_UNIX) LC_CONST(SOCK_STREAM) LC_CONST(SOCK_DGRAM)
        LC_CONST(SOCK_SEQPACKET) LC_CONST(SOCK_RAW) LC_CONST(IPPROTO_ICMP) LC_CONST(IPPROTO_ICMPV6) LC_CONST(SCM_RIGHTS)
            LC_CONST(MSG_TRUNC) LC_CONST(MSG_CTRUNC)
    // The cmsg(3) layout, for UnixRights/ParseUnixRights in JavaScript: the
    // header's length and the alignment of what follows it.
    {"CMSG_HDRLEN", (int)CMSG_LEN(0)},
    {"CMSG_ALIGNTO", (int)(CMSG_SPACE(1) - CMSG_SPACE(0))},
    LC_CONST(SOL_SOCKET) LC_CONST(IPPROTO_IP) LC_CONST(IPPROTO_IPV6) LC_CONST(IPPROTO_TCP) LC_CONST(SO_REUSEADDR)
        LC_CONST(SO_KEEPALIVE) LC_CONST(SO_RCVBUF) LC_CONST(SO_SNDBUF) LC_CONST(SO_LINGER) LC_CONST(
            SO_BROADCAST) LC_CONST(SO_ERROR) LC_CONST(SO_TYPE) LC_CONST(SO_RCVLOWAT) LC_CONST(SO_SNDLOWAT)
            LC_CONST(SO_ACCEPTCONN) LC_CONST(TCP_NODELAY) LC_CONST(IPV6_V6ONLY) LC_CONST(IP_TOS) LC_CONST(
                IP_TTL) LC_CONST(IPV6_UNICAST_HOPS)
#ifdef SO_PROTOCOL
                LC_CONST(SO_PROTOCOL)
#endif
#ifdef SO_DOMAIN
                    LC_CONST(SO_DOMAIN)
#endif
#ifdef IPPROTO_MPTCP
                        LC_CONST(IPPROTO_MPTCP)
#endif
#ifdef SOL_MPTCP
                            LC_CONST(SOL_MPTCP)
#endif
#ifdef MPTCP_INFO
                                LC_CONST(MPTCP_INFO)
#endif
#ifdef SO_PASSCRED
                                    LC_CONST(SO_PASSCRED)
#endif
#ifdef SO_PEERCRED
                                        LC_CONST(SO_PEERCRED)
#endif
#ifdef SO_REUSEPORT
                                            LC_CONST(SO_REUSEPORT)
#endif
#ifdef SO_REUSEPORT_LB
                                                LC_CONST(SO_REUSEPORT_LB)
#endif
#ifdef SO_BINDTODEVICE
                                                    LC_CONST(SO_BINDTODEVICE)
#endif
#ifdef SO_PRIORITY
                                                        LC_CONST(SO_PRIORITY)
#endif
#ifdef SO_MARK
                                                            LC_CONST(SO_MARK)
#endif
#ifdef SO_INCOMING_CPU
                                                                LC_CONST(SO_INCOMING_CPU)
#endif
#ifdef TCP_KEEPIDLE
                                                                    LC_CONST(TCP_KEEPIDLE)
#endif
#ifdef TCP_KEEPALIVE
                                                                        LC_CONST(TCP_KEEPALIVE)
#endif
#ifdef TCP_KEEPINTVL
                                                                            LC_CONST(TCP_KEEPINTVL)
#endif
#ifdef TCP_KEEPCNT
                                                                                LC_CONST(TCP_KEEPCNT)
#endif
#ifdef TCP_DEFER_ACCEPT
                                                                                    LC_CONST(TCP_DEFER_ACCEPT)
#endif
#ifdef TCP_FASTOPEN
                                                                                        LC_CONST(TCP_FASTOPEN)
#endif
#ifdef TCP_MAXSEG
                                                                                            LC_CONST(TCP_MAXSEG)
#endif
#ifdef TCP_USER_TIMEOUT
                                                                                                LC_CONST(
                                                                                                    TCP_USER_TIMEOUT)
#endif
#ifdef TCP_CONGESTION
                                                                                                    LC_CONST(
                                                                                                        TCP_CONGESTION)
#endif
#ifdef TCP_INFO
                                                                                                        LC_CONST(
                                                                                                            TCP_INFO)
#endif
#ifdef TCP_QUICKACK
                                                                                                            LC_CONST(
                                                                                                                TCP_QUICKACK)
#endif
#ifdef IP_FREEBIND
                                                                                                                LC_CONST(
                                                                                                                    IP_FREEBIND)
#endif
#ifdef IP_TRANSPARENT
                                                                                                                    LC_CONST(
                                                                                                                        IP_TRANSPARENT)
#endif
#ifdef IP_BIND_ADDRESS_NO_PORT
                                                                                                                        LC_CONST(
                                                                                                                            IP_BIND_ADDRESS_NO_PORT)
#endif
#ifdef IPV6_FREEBIND
                                                                                                                            LC_CONST(
                                                                                                                                IPV6_FREEBIND)
#endif
#ifdef IPV6_TCLASS
                                                                                                                                LC_CONST(
                                                                                                                                    IPV6_TCLASS)
#endif
};
#undef LC_CONST

const Constant* Constants(size_t* n) {
  *n = sizeof kConstants / sizeof kConstants[0];
  return kConstants;
}

int64_t DupCloexec(sock_t s) {
#ifdef __linux__
  // The system call itself: glibc 2.28+ headers turn fcntl() into fcntl64,
  // a GLIBC_2.28 symbol, and the prebuilt binary promises glibc 2.17.
  long r = syscall(SYS_fcntl, s, F_DUPFD_CLOEXEC, 0);
#else
  int r = fcntl(s, F_DUPFD_CLOEXEC, 0);
#endif
  return r < 0 ? -errno : r;
}

int SetCloexec(sock_t s) {
#ifdef __linux__
  // As DupCloexec: no fcntl64 symbol in the glibc 2.17 prebuild.
  long flags = syscall(SYS_fcntl, s, F_GETFD);
  if (flags < 0) return -errno;
  if ((flags & FD_CLOEXEC) == 0 && syscall(SYS_fcntl, s, F_SETFD, flags | FD_CLOEXEC) < 0) return -errno;
#else
  int flags = fcntl(s, F_GETFD);
  if (flags < 0) return -errno;
  if ((flags & FD_CLOEXEC) == 0 && fcntl(s, F_SETFD, flags | FD_CLOEXEC) < 0) return -errno;
#endif
  return 0;
}

}  // namespace lc

#endif  // !_WIN32
