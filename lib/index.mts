// The ESM entry: the CommonJS build re-exported by name, so both module
// systems share one copy of the package (no dual-package hazard).
import cjs from './index.js';

export const {
  ListenConfig,
  listen,
  MAX_BACKLOG,
  Listener,
  TCPAddr,
  maxListenerBacklog,
  setsockopt,
  getsockopt,
  constants,
  OpError,
  AddrError,
  DNSError,
  SyscallError,
  UnknownNetworkError,
  AbortError,
  ErrClosed,
  splitHostPort,
  joinHostPort,
} = cjs;
export type * from './index.js';
