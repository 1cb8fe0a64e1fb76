// sockaddr.h for every OS: the address rules once, with the few names that
// differ (headers, error numbers) chosen here.
#include "sockaddr.h"

#ifdef _WIN32
#include <afunix.h>
#include <iphlpapi.h>
#define LC_EINVAL WSAEINVAL
#define LC_EAFNOSUPPORT WSAEAFNOSUPPORT
#else
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/un.h>
#define LC_EINVAL EINVAL
#define LC_EAFNOSUPPORT EAFNOSUPPORT
#endif

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

namespace lc {

namespace {

// if_nametoindex, else a decimal index, else 0 (see ToSockaddr).
// Go's ipv6ZoneCache.index: the interface of that name, else, as its last
// resort, dtoi of the zone: the leading decimal digits, whatever follows
// ("1abc" is 1), capped at 0xFFFFFF (dtoi's big: "99999999999" is
// 0xFFFFFF, which names no interface: ENODEV), and 0 without a digit.
unsigned ZoneIndex(const std::string& zone) {
  if (zone.empty()) return 0;
  unsigned idx = if_nametoindex(zone.c_str());
  if (idx != 0) return idx;
  const unsigned big = 0xFFFFFF;
  unsigned n = 0;
  for (char c : zone) {
    if (c < '0' || c > '9') break;
    n = n * 10 + (unsigned)(c - '0');
    if (n >= big) return big;
  }
  return n;
}

std::string ZoneName(unsigned idx) {
  if (idx == 0) return std::string();
  char name[IF_NAMESIZE];
  return if_indextoname(idx, name) ? std::string(name) : std::to_string(idx);
}

}  // namespace

int ToSockaddr(const SockAddr& a, sockaddr_storage* ss, socklen_t* len) {
  memset(ss, 0, sizeof *ss);
  if (a.domain == AF_INET6) {
    sockaddr_in6* s6 = reinterpret_cast<sockaddr_in6*>(ss);
    s6->sin6_family = AF_INET6;
    s6->sin6_port = htons((uint16_t)a.port);
    if (inet_pton(AF_INET6, a.host.c_str(), &s6->sin6_addr) != 1) return -LC_EINVAL;
    s6->sin6_scope_id = ZoneIndex(a.zone);
    *len = sizeof(sockaddr_in6);
    return 0;
  }
  if (a.domain == AF_INET) {
    sockaddr_in* s4 = reinterpret_cast<sockaddr_in*>(ss);
    s4->sin_family = AF_INET;
    s4->sin_port = htons((uint16_t)a.port);
    if (inet_pton(AF_INET, a.host.c_str(), &s4->sin_addr) != 1) return -LC_EINVAL;
    *len = sizeof(sockaddr_in);
    return 0;
  }
  if (a.domain == AF_UNIX) {
    sockaddr_un* su = reinterpret_cast<sockaddr_un*>(ss);
    su->sun_family = AF_UNIX;
    size_t n = a.host.size();
    bool abstract = false;
#ifdef __linux__
    // Abstract: "@name", or "\0name" as the kernel spells it (Go takes
    // both; a path with a leading NUL would be the empty path).
    abstract = n > 0 && (a.host[0] == '@' || a.host[0] == '\0');
#endif
    // A path needs room for its NUL; an abstract name has none, so it may
    // fill sun_path (108 bytes, with '@' or NUL first, as Go takes it).
    if (n > sizeof su->sun_path || (n == sizeof su->sun_path && !abstract)) return -LC_EINVAL;
    memcpy(su->sun_path, a.host.data(), n);
    // Family only: Linux autobinds an abstract name (Go: "" listens on "@xxxxx").
    size_t used = n == 0 ? 0 : n + 1;
    // Abstract names are counted bytes, no NUL: "@name" is "\0name".
    if (abstract) {
      su->sun_path[0] = '\0';
      used = n;
    }
    *len = (socklen_t)(offsetof(sockaddr_un, sun_path) + used);
    return 0;
  }
  return -LC_EAFNOSUPPORT;
}

int FromSockaddr(const sockaddr_storage& ss, socklen_t len, SockAddr* out) {
  out->domain = ss.ss_family;
  out->host.clear();
  out->zone.clear();
  out->port = 0;
  char buf[INET6_ADDRSTRLEN];
  if (ss.ss_family == AF_INET6) {
    const sockaddr_in6* s6 = reinterpret_cast<const sockaddr_in6*>(&ss);
    if (inet_ntop(AF_INET6, &s6->sin6_addr, buf, sizeof buf) == nullptr) return -LC_EINVAL;
    out->host = buf;
    out->port = ntohs(s6->sin6_port);
    out->zone = ZoneName(s6->sin6_scope_id);
    return 0;
  }
  if (ss.ss_family == AF_INET) {
    const sockaddr_in* s4 = reinterpret_cast<const sockaddr_in*>(&ss);
    if (inet_ntop(AF_INET, &s4->sin_addr, buf, sizeof buf) == nullptr) return -LC_EINVAL;
    out->host = buf;
    out->port = ntohs(s4->sin_port);
    return 0;
  }
  if (ss.ss_family == AF_UNIX) {
    const sockaddr_un* su = reinterpret_cast<const sockaddr_un*>(&ss);
    size_t off = offsetof(sockaddr_un, sun_path);
    size_t n = (size_t)len > off ? (size_t)len - off : 0;
    if (n > sizeof su->sun_path) n = sizeof su->sun_path;
    if (n > 0 && su->sun_path[0] == '\0') {
      // Linux's abstract namespace: counted bytes after the NUL, which may
      // hold NULs. Go's anyToSockaddr prints the name up to the next NUL
      // ("everyone uses this convention"), so "\0name\0\0" is "@name".
      out->host = "@" + std::string(su->sun_path + 1, strnlen(su->sun_path + 1, n - 1));
    } else {
      // A path ends at its NUL (the kernel may count it in len, or not).
      out->host.assign(su->sun_path, strnlen(su->sun_path, n));
    }
    return 0;
  }
  return -LC_EAFNOSUPPORT;
}

}  // namespace lc
