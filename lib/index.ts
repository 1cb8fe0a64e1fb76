// The public surface of listenconfig: re-exports only.
export { ListenConfig, listen, listenPacket, MAX_BACKLOG } from './listen-config';
export type { Control, ListenConfigOptions, ListenOptions, StreamNetwork } from './listen-config';
export { Listener } from './listener';
export type { AcceptOptions, Backlog, ConnectionsOptions } from './listener';
export { TCPListener, TCPAddr } from './tcpsock';
export { UnixListener, UnixAddr } from './unixsock';
export type { UnixNetwork } from './unixsock';
export { IPConn, IPAddr } from './iprawsock';
export type { IPNetwork } from './listen-config';
export { UnixConn, dialUnix, unixRights, parseUnixRights } from './unixconn';
export type { ReadFromResult, ReadMsgResult, PeerCredentials, DialUnixOptions } from './unixconn';
export type { UDPNetwork } from './udpsock';
export { syscallConn } from './syscallconn';
export { multipathTCP } from './mptcp';
export type { RawConn } from './rawconn';
export type { KeepAliveConfig } from './keepalive';
export { maxListenerBacklog } from './backlog/index';
export { setsockopt, getsockopt, constants } from './sockopt';
export type { Constants, PortableConstants } from './sockopt';
export {
  OpError,
  AddrError,
  DNSError,
  SyscallError,
  UnknownNetworkError,
  AbortError,
  ErrClosed,
  ErrDeadlineExceeded,
  retryableAcceptError,
} from './errors';
export type { Addr } from './errors';
export { splitHostPort, joinHostPort } from './address';
export type { Network as TCPNetwork } from './address';
export { serve } from './serve';
export type { ServeOptions, ShutdownOptions, Serving } from './serve';
export { limitListener, LimitListener } from './limit';
