// An accepted descriptor becomes an ordinary net.Socket through Node's
// public `{ fd }` option, so http, tls and streams work on it unchanged.
// On Windows `{ fd }` cannot take a SOCKET; tcp-wrap.ts adopts it instead.
import * as net from 'node:net';
import { SyscallError } from './errors';
import { binding, type Sock } from './native';
import { openSocket } from './tcp-wrap';

/** Wraps an accepted, connected socket; closes it if Node refuses it. */
export function adopt(fd: Sock): net.Socket {
  try {
    if (process.platform !== 'win32') return new net.Socket({ fd, readable: true, writable: true });
    const s = openSocket(fd);
    if (typeof s === 'number') throw new SyscallError('uv_tcp_open', s);
    return s;
  } catch (e) {
    binding.close(fd);
    throw e;
  }
}
