// Loading and typing the addon. Nothing else in lib/ touches the binding
// directly: every call returns a non-negative result or a negative OS error
// number (see src-native/socket.h), which errors.ts turns into Go's errors.
import * as path from 'node:path';

/** A socket of the OS: a file descriptor on POSIX, a SOCKET on Windows. */
export type Sock = number;

export interface SockName {
  family: 4 | 6;
  ip: string;
  zone: string;
  port: number;
}

export interface NativeAcceptor {
  start(): number;
  stop(): void;
  ref(): void;
  unref(): void;
  close(): number;
}

export interface NativeAcceptorConstructor {
  /** Connections taken from the kernel per wake-up at most. */
  readonly batch: number;
  new (
    sock: Sock,
    options: [keepalive: number, idle: number, interval: number, count: number, nodelay: boolean],
    out: Int32Array,
    onAccept: (n: number, err: number) => void,
  ): NativeAcceptor;
}

export interface Binding {
  socket(family: 4 | 6): number;
  setsockopt(sock: Sock, level: number, name: number, value: Uint8Array): number;
  getsockopt(sock: Sock, level: number, name: number, value: Uint8Array): number;
  bind(sock: Sock, family: 4 | 6, ip: string, zone: string, port: number): number;
  listen(sock: Sock, backlog: number): number;
  getsockname(sock: Sock): SockName | number;
  close(sock: Sock): number;
  listenQueue(sock: Sock): [queued: number, backlog: number] | number;
  /** 1: the OS copies these into accepted sockets (set now); 0: set per connection. */
  inheritAcceptOptions(sock: Sock, opts: [number, number, number, number, boolean]): number;
  strerror(err: number): string;
  Acceptor: NativeAcceptorConstructor;
  constants: Record<string, number>;
}

// node-gyp-build loads build/Release when there is one, else a matching
// prebuilds/ binary (PREBUILDS_ONLY=1 skips build/: scripts/test-wine.sh).
// eslint-disable-next-line @typescript-eslint/no-require-imports
export const binding: Binding = require('node-gyp-build')(path.join(__dirname, '..'));
