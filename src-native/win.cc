// Windows implementation of socket.h: Winsock 2, the peer of posix.cc.
//
// Every function is one Winsock call (named in its comment) and returns a
// negative Winsock error (-WSAGetLastError(), e.g. -10048 for WSAEADDRINUSE)
// on failure, so addon.cc and lib/ treat both OSes alike; lib/errors.ts
// knows the Winsock names. Sockets are created overlapped and not
// inheritable: overlapped because libuv attaches accepted sockets to its
// completion port when JavaScript adopts them (lib/tcp-wrap.ts), not
// inheritable as the counterpart of SOCK_CLOEXEC.
#ifdef _WIN32

#include "socket.h"
#include "sockaddr.h"

// winsock2.h must come before windows.h.
#include <winsock2.h>
#include <ws2tcpip.h>
#include <mstcpip.h>
#include <iphlpapi.h>
#include <windows.h>
#include <afunix.h>

#include <stdlib.h>
#include <string.h>

// Newer Windows SDKs define these; mingw-w64 10 does not. Values from the
// SDK's ws2ipdef.h (also Go's internal/syscall/windows).
#ifndef TCP_KEEPALIVE
#define TCP_KEEPALIVE 3
#endif
#ifndef TCP_KEEPIDLE
#define TCP_KEEPIDLE TCP_KEEPALIVE  // Windows 10 1709 and later
#endif
#ifndef TCP_MAXSEG
#define TCP_MAXSEG 4
#endif
#ifndef TCP_FASTOPEN
#define TCP_FASTOPEN 15
#endif
#ifndef TCP_KEEPCNT
#define TCP_KEEPCNT 16  // Windows 10 1703 and later
#endif
#ifndef TCP_KEEPINTVL
#define TCP_KEEPINTVL 17  // Windows 10 1709 and later
#endif
#ifndef WSA_FLAG_NO_HANDLE_INHERIT
#define WSA_FLAG_NO_HANDLE_INHERIT 0x80
#endif

namespace lc {

namespace {

inline SOCKET S(sock_t s) {
  return static_cast<SOCKET>(s);
}

inline int LastError() {
  return -WSAGetLastError();
}

int SetInt(SOCKET s, int level, int name, int v) {
  return setsockopt(s, level, name, reinterpret_cast<const char*>(&v), sizeof v) == 0 ? 0 : LastError();
}

// WSAStartup: node.exe's libuv has already initialised Winsock before any
// addon loads; this reference makes the addon independent of that.
bool Started() {
  static const bool ok = [] {
    WSADATA d;
    return WSAStartup(MAKEWORD(2, 2), &d) == 0;
  }();
  return ok;
}

// ioctlsocket(FIONBIO): accept() must return WSAEWOULDBLOCK on an empty
// queue, and sockets accepted from a non-blocking socket are non-blocking
// too (the counterpart of SOCK_NONBLOCK).
int SetNonblocking(SOCKET s) {
  u_long on = 1;
  return ioctlsocket(s, FIONBIO, &on) == 0 ? 0 : LastError();
}

// SetHandleInformation: accept() copies most attributes of the listening
// socket, but handle inheritance is a property of the handle, not of the
// socket; clear it before any child process can be spawned.
void NoInherit(SOCKET s) {
  SetHandleInformation(reinterpret_cast<HANDLE>(s), HANDLE_FLAG_INHERIT, 0);
}

// Go's accept loop skips these: the peer gave up before we got to it
// (Windows reports a connection reset before accept() as WSAECONNRESET).
bool Transient(int e) {
  return e == WSAECONNRESET || e == WSAECONNABORTED || e == WSAEINTR;
}

// WSAIoctl(SIO_KEEPALIVE_VALS): idle time and interval in milliseconds, the
// only way before Windows 10 1709. It takes both values at once (there is
// no way to read the current ones), so, as Go's setKeepAliveIdleAndInterval:
// an interval alone cannot be set, and an idle time alone gets Windows'
// default interval of 1 s.
void SetKeepAliveVals(SOCKET s, int idle_s, int interval_s) {
  if (idle_s < 0) return;
  tcp_keepalive ka;
  ka.onoff = 1;
  ka.keepalivetime = (ULONG)idle_s * 1000;
  ka.keepaliveinterval = interval_s < 0 ? 1000 : (ULONG)interval_s * 1000;
  DWORD ret = 0;
  WSAIoctl(s, SIO_KEEPALIVE_VALS, &ka, sizeof ka, nullptr, 0, &ret, nullptr, nullptr);
}

// Go's Windows keep-alive rules (tcpsockopt_windows.go): TCP_KEEPIDLE and
// TCP_KEEPINTVL in seconds where Windows has them (10 1709 and later), else
// SIO_KEEPALIVE_VALS in milliseconds; TCP_KEEPCNT where it exists (10 1703).
// Errors are ignored, as in Go's TCPListener.accept.
void ApplyConnOptions(SOCKET s, const ConnOptions& o) {
  // Whether this Windows knows TCP_KEEPIDLE; learnt from the first socket
  // that tries (Go asks the OS version instead; the answer is the same).
  static volatile LONG keepidle = -1;  // -1 unknown, 0 no, 1 yes
  if (o.nodelay) SetInt(s, IPPROTO_TCP, TCP_NODELAY, 1);
  if (o.keepalive >= 0) SetInt(s, SOL_SOCKET, SO_KEEPALIVE, o.keepalive);
  if (o.keepalive == 1 && (o.idle >= 0 || o.interval >= 0)) {
    bool done = false;
    if (keepidle != 0) {
      int r = o.idle >= 0 ? SetInt(s, IPPROTO_TCP, TCP_KEEPIDLE, o.idle) : 0;
      if (r == -WSAENOPROTOOPT || r == -WSAEINVAL) {
        InterlockedExchange(&keepidle, 0);
      } else {
        if (o.idle >= 0) InterlockedExchange(&keepidle, 1);
        if (o.interval >= 0) SetInt(s, IPPROTO_TCP, TCP_KEEPINTVL, o.interval);
        done = true;
      }
    }
    if (!done) SetKeepAliveVals(s, o.idle, o.interval);
  }
  if (o.keepalive == 1 && o.count >= 0) SetInt(s, IPPROTO_TCP, TCP_KEEPCNT, o.count);
}

}  // namespace

// WSASocketW(domain, type, protocol), overlapped and not inheritable, then
// made non-blocking.
int64_t Socket(int domain, int type, int protocol) {
  if (!Started()) return -WSANOTINITIALISED;
  SOCKET s = WSASocketW(domain, type, protocol, nullptr, 0, WSA_FLAG_OVERLAPPED | WSA_FLAG_NO_HANDLE_INHERIT);
  if (s == INVALID_SOCKET) return LastError();
  int r = SetNonblocking(s);
  if (r < 0) {
    closesocket(s);
    return r;
  }
  return (int64_t)s;
}

// setsockopt(IPV6_V6ONLY) and, on datagram sockets, setsockopt(SO_BROADCAST).
int SetDefaultSockopts(sock_t s, int domain, int type, bool v6only) {
  if (domain == AF_INET6 && type != SOCK_RAW) SetInt(S(s), IPPROTO_IPV6, IPV6_V6ONLY, v6only ? 1 : 0);
  if ((type == SOCK_DGRAM || type == SOCK_RAW) && domain != AF_UNIX) return SetInt(S(s), SOL_SOCKET, SO_BROADCAST, 1);
  return 0;
}

// Nothing: SO_REUSEADDR on Windows lets another socket steal the port
// (Go's sockopt_windows.go), and TIME_WAIT never blocks a bind here.
int SetDefaultListenerSockopts(sock_t s) {
  (void)s;
  return 0;
}

// setsockopt(SO_REUSEADDR): on a datagram socket it is what lets several
// sockets share a multicast port.
int SetDefaultMulticastSockopts(sock_t s) {
  return SetInt(S(s), SOL_SOCKET, SO_REUSEADDR, 1);
}

// setsockopt. Winsock takes BOOL and DWORD options as 4 bytes, like a C int.
int SetSockOpt(sock_t s, int level, int name, const void* value, size_t len) {
  return setsockopt(S(s), level, name, static_cast<const char*>(value), (int)len) == 0 ? 0 : LastError();
}

// getsockopt.
int GetSockOpt(sock_t s, int level, int name, void* value, size_t* len) {
  int l = (int)*len;
  if (getsockopt(S(s), level, name, static_cast<char*>(value), &l) != 0) return LastError();
  *len = (size_t)l;
  return 0;
}

// bind, to the address sockaddr.cc builds.
int Bind(sock_t s, const SockAddr& addr) {
  sockaddr_storage ss;
  socklen_t len;
  int r = ToSockaddr(addr, &ss, &len);
  if (r < 0) return r;
  return bind(S(s), reinterpret_cast<sockaddr*>(&ss), len) == 0 ? 0 : LastError();
}

// listen. backlog is passed through: a negative value is SOMAXCONN_HINT(-backlog)
// (the SDK defines SOMAXCONN_HINT(b) as -(b)); lib/backlog/windows.ts chooses it.
int Listen(sock_t s, int backlog) {
  return listen(S(s), backlog) == 0 ? 0 : LastError();
}

// getsockname, converted by sockaddr.cc.
int GetSockName(sock_t s, SockAddr* out) {
  sockaddr_storage ss;
  int len = sizeof ss;
  memset(&ss, 0, sizeof ss);
  if (getsockname(S(s), reinterpret_cast<sockaddr*>(&ss), &len) != 0) return LastError();
  return FromSockaddr(ss, len, out);
}

// closesocket.
int Close(sock_t s) {
  return closesocket(S(s)) == 0 ? 0 : LastError();
}

// connect.
int Connect(sock_t s, const SockAddr& addr) {
  sockaddr_storage ss;
  socklen_t len;
  int r = ToSockaddr(addr, &ss, &len);
  if (r < 0) return r;
  return connect(S(s), reinterpret_cast<sockaddr*>(&ss), len) == 0 ? 0 : LastError();
}

// getpeername, converted by sockaddr.cc.
int GetPeerName(sock_t s, SockAddr* out) {
  sockaddr_storage ss;
  int len = sizeof ss;
  memset(&ss, 0, sizeof ss);
  if (getpeername(S(s), reinterpret_cast<sockaddr*>(&ss), &len) != 0) return LastError();
  return FromSockaddr(ss, len, out);
}

// Message sockets (unixgram, unixpacket, raw IP) are refused on Windows
// before a socket exists (lib/unixconn.ts says why); WSARecvMsg is not
// wired up.
int64_t RecvMsg(sock_t s, void* buf, size_t len, void* oob, size_t ooblen, int* flags, size_t* oobn, SockAddr* from) {
  (void)s, (void)buf, (void)len, (void)oob, (void)ooblen, (void)flags, (void)oobn, (void)from;
  return -WSAEOPNOTSUPP;
}

void CloseRights(void* oob, size_t oobn) {
  (void)oob, (void)oobn;
}

int64_t SendMsg(sock_t s, const void* buf, size_t len, const void* oob, size_t ooblen, const SockAddr* to) {
  (void)s, (void)buf, (void)len, (void)oob, (void)ooblen, (void)to;
  return -WSAEOPNOTSUPP;
}

// Windows has no way to read a listening socket's queue or its effective
// backlog (Go issue 39000, and the listen() documentation).
int ListenQueue(sock_t s, uint32_t* queued, uint32_t* backlog) {
  (void)s;
  (void)queued;
  (void)backlog;
  return -WSAEOPNOTSUPP;
}

int InheritConnOptions(sock_t s, const ConnOptions& opts) {
  // Not relied on for Winsock: accepted sockets get Go's per-connection calls.
  (void)s;
  (void)opts;
  return 0;
}

ConnOptions PerConnectionOptions(sock_t listener, const ConnOptions& opts) {
  (void)listener;
  return opts;
}

// No sysctl on Windows: maxListenerBacklog is a constant there.
int SysctlUint32(const char* name, uint32_t* out) {
  (void)name;
  (void)out;
  return -WSAEOPNOTSUPP;
}

// accept, up to max times, until WSAEWOULDBLOCK.
int AcceptBatch(sock_t s, sock_t* out, int max, const ConnOptions& opts, int* err) {
  int n = 0;
  *err = 0;
  while (n < max) {
    SOCKET c = accept(S(s), nullptr, nullptr);
    if (c == INVALID_SOCKET) {
      int e = WSAGetLastError();
      if (Transient(e)) continue;
      if (e != WSAEWOULDBLOCK) *err = -e;
      break;
    }
    NoInherit(c);
    ApplyConnOptions(c, opts);
    out[n++] = (sock_t)c;
  }
  return n;
}

// FormatMessageW in US English (else the user's language), trailing CR/LF
// cut, as Go's syscall.Errno.Error() on Windows; "winapi error #N" when
// Windows has no text.
std::string StrError(int err) {
  DWORD code = (DWORD)(err < 0 ? -err : err);
  wchar_t buf[300];
  DWORD flags = FORMAT_MESSAGE_FROM_SYSTEM | FORMAT_MESSAGE_ARGUMENT_ARRAY | FORMAT_MESSAGE_IGNORE_INSERTS;
  DWORD n = FormatMessageW(flags, nullptr, code, MAKELANGID(LANG_ENGLISH, SUBLANG_ENGLISH_US), buf, 300, nullptr);
  if (n == 0) n = FormatMessageW(flags, nullptr, code, 0, buf, 300, nullptr);
  if (n == 0) return "winapi error #" + std::to_string(code);
  while (n > 0 && (buf[n - 1] == L'\n' || buf[n - 1] == L'\r')) n--;
  int size = WideCharToMultiByte(CP_UTF8, 0, buf, (int)n, nullptr, 0, nullptr, nullptr);
  std::string s((size_t)size, '\0');
  WideCharToMultiByte(CP_UTF8, 0, buf, (int)n, &s[0], size, nullptr, nullptr);
  return s;
}

#define LC_CONST(x) {#x, (int)(x)},
static const Constant kConstants[] = {
    LC_CONST(AF_INET) LC_CONST(AF_INET6) LC_CONST(AF_UNIX) LC_CONST(SOCK_STREAM) LC_CONST(SOCK_DGRAM)
        LC_CONST(SOL_SOCKET) LC_CONST(IPPROTO_IP) LC_CONST(IPPROTO_IPV6) LC_CONST(IPPROTO_TCP) LC_CONST(SO_REUSEADDR)
            LC_CONST(SO_EXCLUSIVEADDRUSE) LC_CONST(SO_KEEPALIVE) LC_CONST(SO_RCVBUF) LC_CONST(SO_SNDBUF)
                LC_CONST(SO_LINGER) LC_CONST(SO_DONTLINGER) LC_CONST(SO_BROADCAST) LC_CONST(SO_ERROR) LC_CONST(SO_TYPE)
                    LC_CONST(SO_RCVLOWAT) LC_CONST(SO_SNDLOWAT) LC_CONST(SO_ACCEPTCONN) LC_CONST(SO_CONDITIONAL_ACCEPT)
                        LC_CONST(SO_RCVTIMEO) LC_CONST(SO_SNDTIMEO) LC_CONST(TCP_NODELAY) LC_CONST(TCP_KEEPALIVE)
                            LC_CONST(TCP_KEEPIDLE) LC_CONST(TCP_KEEPINTVL) LC_CONST(TCP_KEEPCNT) LC_CONST(TCP_MAXSEG)
                                LC_CONST(TCP_FASTOPEN) LC_CONST(IPV6_V6ONLY) LC_CONST(IP_TOS) LC_CONST(IP_TTL)
                                    LC_CONST(IPV6_UNICAST_HOPS)};
#undef LC_CONST

const Constant* Constants(size_t* n) {
  *n = sizeof kConstants / sizeof kConstants[0];
  return kConstants;
}

// Go's File() is EWINDOWS here too; lib/file.ts refuses before calling.
int64_t DupCloexec(sock_t s) {
  (void)s;
  return -WSAEOPNOTSUPP;
}

// Socket activation is systemd's; lib/activation.ts finds nothing to mark.
int SetCloexec(sock_t s) {
  (void)s;
  return -WSAEOPNOTSUPP;
}

}  // namespace lc

#endif  // _WIN32
