// An accepted descriptor becomes an ordinary net.Socket through Node's
// public `{ fd }` option, so http, tls and streams work on it unchanged.
import * as net from 'node:net';
import { binding, type Sock } from './native';

/** Wraps an accepted, connected socket; closes it if Node refuses it. */
export function adopt(fd: Sock): net.Socket {
  try {
    return new net.Socket({ fd, readable: true, writable: true });
  } catch (e) {
    binding.close(fd);
    throw e;
  }
}
