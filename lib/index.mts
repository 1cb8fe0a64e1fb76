// The ESM entry re-exports the CommonJS build, so both module systems share
// one copy of the package: no dual-package hazard, one ErrClosed, one
// instanceof. The names are listed, not `export *`: a star re-export of a
// tsc-built CommonJS module also exports its `__esModule` marker (issue 12).
// So this list repeats index.ts's value exports: an ES module's names are
// static, and index.ts cannot be imported here as ESM (it is compiled to
// CommonJS). test/entry.test.mjs fails when the two lists disagree.
import cjs from './index.js';

export {
  ListenConfig,
  listen,
  listenPacket,
  MAX_BACKLOG,
  Listener,
  TCPListener,
  TCPAddr,
  UnixListener,
  UnixAddr,
  UnixConn,
  IPConn,
  IPAddr,
  dialUnix,
  unixRights,
  parseUnixRights,
  maxListenerBacklog,
  setsockopt,
  syscallConn,
  multipathTCP,
  getsockopt,
  constants,
  OpError,
  AddrError,
  DNSError,
  SyscallError,
  UnknownNetworkError,
  AbortError,
  ErrClosed,
  ErrDeadlineExceeded,
  retryableAcceptError,
  splitHostPort,
  joinHostPort,
  serve,
  limitListener,
  LimitListener,
  fileListener,
  filePacketConn,
  activation,
  Upgrader,
} from './index.js';
export type * from './index.js';

/** `import lc from 'listenconfig'`: the same object `require('listenconfig')` gives. */
export default cjs;
