// Winsock error numbers -> their names and Node's codes. The addon reports
// a failed Winsock call as -WSAGetLastError() (-10048); Node's own errors on
// Windows carry libuv's code for the same condition ('EADDRINUSE'), so that
// `err.code === 'EADDRINUSE'` works on every OS. libuv's table is
// uv_translate_sys_error in src/win/error.c; names are winerror.h's.
import * as util from 'node:util';

// [Winsock number, Winsock name, libuv code or '' where libuv has none]
const table: ReadonlyArray<readonly [number, string, string]> = [
  [10004, 'WSAEINTR', 'EINTR'],
  [10009, 'WSAEBADF', 'EBADF'],
  [10013, 'WSAEACCES', 'EACCES'],
  [10014, 'WSAEFAULT', 'EFAULT'],
  [10022, 'WSAEINVAL', 'EINVAL'],
  [10024, 'WSAEMFILE', 'EMFILE'],
  [10035, 'WSAEWOULDBLOCK', 'EAGAIN'],
  [10036, 'WSAEINPROGRESS', ''],
  [10037, 'WSAEALREADY', 'EALREADY'],
  [10038, 'WSAENOTSOCK', 'ENOTSOCK'],
  [10039, 'WSAEDESTADDRREQ', 'EDESTADDRREQ'],
  [10040, 'WSAEMSGSIZE', 'EMSGSIZE'],
  [10041, 'WSAEPROTOTYPE', 'EPROTOTYPE'],
  [10042, 'WSAENOPROTOOPT', 'ENOPROTOOPT'],
  [10043, 'WSAEPROTONOSUPPORT', 'EPROTONOSUPPORT'],
  [10044, 'WSAESOCKTNOSUPPORT', 'ESOCKTNOSUPPORT'],
  [10045, 'WSAEOPNOTSUPP', 'ENOTSUP'],
  [10046, 'WSAEPFNOSUPPORT', ''],
  [10047, 'WSAEAFNOSUPPORT', 'EAFNOSUPPORT'],
  [10048, 'WSAEADDRINUSE', 'EADDRINUSE'],
  [10049, 'WSAEADDRNOTAVAIL', 'EADDRNOTAVAIL'],
  [10050, 'WSAENETDOWN', 'ENETDOWN'],
  [10051, 'WSAENETUNREACH', 'ENETUNREACH'],
  [10052, 'WSAENETRESET', 'ECONNRESET'],
  [10053, 'WSAECONNABORTED', 'ECONNABORTED'],
  [10054, 'WSAECONNRESET', 'ECONNRESET'],
  [10055, 'WSAENOBUFS', 'ENOBUFS'],
  [10056, 'WSAEISCONN', 'EISCONN'],
  [10057, 'WSAENOTCONN', 'ENOTCONN'],
  [10058, 'WSAESHUTDOWN', 'ESHUTDOWN'],
  [10059, 'WSAETOOMANYREFS', ''],
  [10060, 'WSAETIMEDOUT', 'ETIMEDOUT'],
  [10061, 'WSAECONNREFUSED', 'ECONNREFUSED'],
  [10062, 'WSAELOOP', 'ELOOP'],
  [10063, 'WSAENAMETOOLONG', 'ENAMETOOLONG'],
  [10064, 'WSAEHOSTDOWN', 'EHOSTDOWN'],
  [10065, 'WSAEHOSTUNREACH', 'EHOSTUNREACH'],
  [10066, 'WSAENOTEMPTY', 'ENOTEMPTY'],
  [10067, 'WSAEPROCLIM', ''],
  [10091, 'WSASYSNOTREADY', ''],
  [10092, 'WSAVERNOTSUPPORTED', ''],
  [10093, 'WSANOTINITIALISED', ''],
  [10101, 'WSAEDISCON', ''],
];

const byNumber = new Map(table.map(([n, name, code]) => [n, { name, code }]));

/** A Winsock (or libuv) error as Node and Go name it. */
export interface WindowsErrno {
  /** Node's code: libuv's name where libuv maps the error, else the Winsock name. */
  code: string;
  /** Node's errno for that code on this OS (libuv's number), else the negative OS error. */
  errno: number;
  /** winerror.h's name ('WSAEADDRINUSE'), or undefined for a libuv error. */
  winsockCode: string | undefined;
  /** Whether the number is libuv's (from the event loop), not the OS's. */
  libuv: boolean;
}

let uvMap: Map<number, [string, string]> | undefined;
function libuvErrors(): Map<number, [string, string]> {
  uvMap ??= util.getSystemErrorMap();
  return uvMap;
}

function uvErrno(code: string): number | undefined {
  for (const [n, [name]] of libuvErrors()) if (name === code) return n;
  return undefined;
}

/**
 * Names the addon's negative error number: a Winsock error (-10048 ->
 * code 'EADDRINUSE', winsockCode 'WSAEADDRINUSE', errno Node's number for
 * EADDRINUSE), or a libuv error from the event loop's poller (libuv's own
 * negative numbers, -4095..-3000 on Windows), or an unknown OS error
 * ('UNKNOWN' with the number kept).
 */
export function windowsErrno(err: number): WindowsErrno {
  const n = err < 0 ? -err : err;
  const w = byNumber.get(n);
  if (w !== undefined) {
    const errno = w.code !== '' ? uvErrno(w.code) : undefined;
    return {
      code: errno !== undefined ? w.code : w.name,
      errno: errno ?? -n,
      winsockCode: w.name,
      libuv: false,
    };
  }
  if (n >= 3000 && n <= 4095) {
    const uv = libuvErrors().get(-n);
    if (uv !== undefined) return { code: uv[0], errno: -n, winsockCode: undefined, libuv: true };
  }
  return { code: 'UNKNOWN', errno: -n, winsockCode: undefined, libuv: false };
}

/** libuv's message for one of its own error numbers (Node's util map). */
export function libuvMessage(errno: number): string | undefined {
  return libuvErrors().get(errno)?.[1];
}
