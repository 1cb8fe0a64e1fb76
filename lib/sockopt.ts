// setsockopt(2) and getsockopt(2) for use inside a Control hook, and the
// option names this OS defines (read from the OS headers when the addon was
// built, so a constant is present only where the platform has it).
import * as os from 'node:os';
import { check } from './errors';
import { binding, type Sock } from './native';

/** The names every supported OS defines (posix.cc and win.cc both list them). */
export interface PortableConstants {
  readonly AF_INET: number;
  readonly AF_INET6: number;
  readonly AF_UNIX: number;
  readonly SOCK_STREAM: number;
  readonly SOCK_DGRAM: number;
  readonly SOL_SOCKET: number;
  readonly IPPROTO_IP: number;
  readonly IPPROTO_IPV6: number;
  readonly IPPROTO_TCP: number;
  readonly SO_REUSEADDR: number;
  readonly SO_KEEPALIVE: number;
  readonly SO_RCVBUF: number;
  readonly SO_SNDBUF: number;
  readonly SO_LINGER: number;
  readonly SO_BROADCAST: number;
  readonly SO_ERROR: number;
  readonly SO_TYPE: number;
  readonly SO_RCVLOWAT: number;
  readonly SO_SNDLOWAT: number;
  readonly SO_ACCEPTCONN: number;
  readonly TCP_NODELAY: number;
  readonly IPV6_V6ONLY: number;
  readonly IP_TOS: number;
  readonly IP_TTL: number;
  readonly IPV6_UNICAST_HOPS: number;
}

/**
 * The constants of this OS: the portable names as numbers, every other name
 * (SO_REUSEPORT, TCP_DEFER_ACCEPT, IP_FREEBIND, SO_BINDTODEVICE,
 * IPPROTO_MPTCP…) typed `number | undefined`, since an OS may lack it.
 */
export type Constants = PortableConstants & { readonly [name: string]: number | undefined };

/**
 * Socket option levels and names of this platform: SOL_SOCKET,
 * SO_REUSEADDR, SO_REUSEPORT, IPPROTO_TCP, TCP_NODELAY, TCP_DEFER_ACCEPT,
 * IPV6_V6ONLY, IP_FREEBIND, SO_BINDTODEVICE, … A name the platform lacks is
 * absent (undefined), never a made-up number.
 */
export const constants: Constants = Object.freeze({ ...binding.constants }) as Constants;

const littleEndian = os.endianness() === 'LE';

function intBuffer(v: number): Uint8Array {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setInt32(0, v, littleEndian);
  return b;
}

function checkSock(fd: unknown): Sock {
  if (typeof fd !== 'number' || !Number.isSafeInteger(fd) || fd < 0) {
    throw Object.assign(new TypeError(`The "fd" argument must be a non-negative integer. Received ${String(fd)}`), {
      code: 'ERR_INVALID_ARG_TYPE',
    });
  }
  return fd;
}

function checkInt(name: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < -(2 ** 31) || v > 2 ** 31 - 1) {
    throw Object.assign(new RangeError(`The "${name}" argument must be a 32-bit integer. Received ${String(v)}`), {
      code: 'ERR_OUT_OF_RANGE',
    });
  }
  return v;
}

/**
 * setsockopt(2). A number or boolean is passed as a C int; a Buffer or
 * Uint8Array as the raw option bytes (SO_BINDTODEVICE takes the interface
 * name, SO_LINGER a struct linger). Throws a SyscallError such as
 * `setsockopt: bad file descriptor`.
 */
export function setsockopt(fd: Sock, level: number, name: number, value: number | boolean | Uint8Array): void {
  checkSock(fd);
  checkInt('level', level);
  checkInt('name', name);
  let bytes: Uint8Array;
  if (typeof value === 'boolean') bytes = intBuffer(value ? 1 : 0);
  else if (typeof value === 'number') bytes = intBuffer(checkInt('value', value));
  else if (value instanceof Uint8Array) bytes = value;
  else {
    throw Object.assign(new TypeError('The "value" argument must be a number, a boolean or a Uint8Array'), {
      code: 'ERR_INVALID_ARG_TYPE',
    });
  }
  check('setsockopt', binding.setsockopt(fd, level, name, bytes));
}

/**
 * getsockopt(2). `kind` 'int' (the default) reads a C int, 'bool' an int
 * as true/false, a number reads that many raw bytes into a Buffer (cut to
 * the length the OS returned).
 */
export function getsockopt(fd: Sock, level: number, name: number): number;
export function getsockopt(fd: Sock, level: number, name: number, kind: 'int'): number;
export function getsockopt(fd: Sock, level: number, name: number, kind: 'bool'): boolean;
export function getsockopt(fd: Sock, level: number, name: number, kind: number): Buffer;
export function getsockopt(
  fd: Sock,
  level: number,
  name: number,
  kind: 'int' | 'bool' | number = 'int',
): number | boolean | Buffer {
  checkSock(fd);
  checkInt('level', level);
  checkInt('name', name);
  if (typeof kind === 'number') {
    if (!Number.isInteger(kind) || kind < 0 || kind > 65536) {
      throw Object.assign(
        new RangeError(`The "kind" argument must be 'int', 'bool' or a size 0..65536. Received ${kind}`),
        {
          code: 'ERR_OUT_OF_RANGE',
        },
      );
    }
    const b = Buffer.alloc(kind);
    const n = check('getsockopt', binding.getsockopt(fd, level, name, b));
    return b.subarray(0, n);
  }
  if (kind !== 'int' && kind !== 'bool') {
    throw Object.assign(
      new TypeError(`The "kind" argument must be 'int', 'bool' or a size. Received ${String(kind)}`),
      {
        code: 'ERR_INVALID_ARG_VALUE',
      },
    );
  }
  const b = new Uint8Array(4);
  const n = check('getsockopt', binding.getsockopt(fd, level, name, b));
  // Some options (on some OSes) answer with a single byte.
  const v = n === 1 ? b[0] : new DataView(b.buffer).getInt32(0, littleEndian);
  return kind === 'bool' ? v !== 0 : v;
}
