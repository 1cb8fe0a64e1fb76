// The one address type of socket.h (SockAddr) to and from the OS's
// sockaddr, shared by posix.cc and win.cc, as libuv keeps uv_ip4_addr and
// friends in uv-common.c and socket2 its SockAddr in sockaddr.rs: the
// rules (IPv6 zones, unix path lengths, Linux's abstract names) are written
// once and cannot drift apart per OS.
#ifndef LISTENCONFIG_SOCKADDR_H_
#define LISTENCONFIG_SOCKADDR_H_

#ifdef _WIN32
#include <winsock2.h>
#include <ws2tcpip.h>
#else
#include <sys/socket.h>
#endif

#include "socket.h"

namespace lc {

// Fills *ss and *len from a. Returns 0, or a negative OS error: EINVAL for
// an IP that is not numeric, a unix path as long as sun_path or longer
// (Go's syscall.SockaddrUnix says EINVAL too: the path and its NUL must
// fit), EAFNOSUPPORT for a domain other than AF_INET, AF_INET6, AF_UNIX.
//
// An IPv6 zone is an interface name, else a decimal index; a name this
// machine does not know is index 0, as Go's zone cache answers, so the
// kernel decides: bind(2) of a link-local address without a scope fails
// with EINVAL, any other address binds (Go 1.19: `[::1%nosuch]:0` listens
// on [::1], `[fe80::1%nosuch]:0` is `bind: invalid argument`).
int ToSockaddr(const SockAddr& a, sockaddr_storage* ss, socklen_t* len);

// The inverse, for getsockname(2): a numeric IP (inet_ntop's text) and
// zone name for AF_INET and AF_INET6; for AF_UNIX the path, Linux's
// abstract names with a leading '@' (as Go prints them), '' for an
// unnamed socket.
int FromSockaddr(const sockaddr_storage& ss, socklen_t len, SockAddr* out);

}  // namespace lc

#endif  // LISTENCONFIG_SOCKADDR_H_
