// Go's TCPConn.MultipathTCP (mptcpsock_linux.go, mptcpsock_stub.go):
// whether a connection is using Multipath TCP. The OS fact is whether the
// constants table has SOL_MPTCP (Linux only), so this file never names a
// platform.
import * as net from 'node:net';
import { kernelVersion, linuxProbe } from './backlog/linux';
import { ErrClosed, OpError, SyscallError } from './errors';
import type { RawConn } from './rawconn';
import { syscallConn } from './syscallconn';
import { constants, getsockopt } from './sockopt';
import type { Sock } from './native';

// MPTCP_INFO answers these on a socket that fell back to TCP (EOPNOTSUPP
// for AF_INET, ENOPROTOOPT for AF_INET6) or was never MPTCP; Node names
// Linux's EOPNOTSUPP (95) ENOTSUP.
const FALLEN_BACK = new Set(['ENOTSUP', 'EOPNOTSUPP', 'ENOPROTOOPT']);

let solMPTCP: boolean | undefined;

// Go's hasSOLMPTCP: SOL_MPTCP getsockopt exists from Linux 5.16; before,
// it fails on every socket, MPTCP or not.
function hasSOLMPTCP(): boolean {
  if (solMPTCP === undefined) {
    // Go's unix.KernelVersion, as Go's hasSOLMPTCP reads it.
    const [major, minor] = kernelVersion(linuxProbe.kernelRelease());
    solMPTCP = major > 5 || (major === 5 && minor >= 16);
  }
  return solMPTCP;
}

function usingMPTCP(fd: Sock, solMPTCPLevel: number, mptcpInfo: number): boolean {
  if (!hasSOLMPTCP()) {
    // Only the protocol the socket was made with: an MPTCP socket that fell
    // back to TCP on the wire still says IPPROTO_MPTCP here. Go ignores a
    // failed getsockopt: not MPTCP.
    const proto = constants.SO_PROTOCOL;
    try {
      return proto !== undefined && getsockopt(fd, constants.SOL_SOCKET, proto) === constants.IPPROTO_MPTCP;
    } catch (e) {
      if (e instanceof SyscallError) return false;
      throw e;
    }
  }
  try {
    getsockopt(fd, solMPTCPLevel, mptcpInfo);
    return true;
  } catch (e) {
    // As Go: only the fallback answers mean "not MPTCP"; any other error
    // of the kernel's counts as MPTCP in use.
    if (e instanceof SyscallError) return !FALLEN_BACK.has(e.code);
    throw e;
  }
}

/**
 * Go's TCPConn.MultipathTCP: whether `conn` is using Multipath TCP now. An
 * MPTCP listener's connection from a plain TCP client, or one whose peer or
 * path dropped MPTCP, has fallen back and says false; so does a plain TCP
 * socket, a unix socket, and any socket on an OS without MPTCP (all but
 * Linux). On Linux 5.16 and later it asks the kernel (getsockopt
 * SOL_MPTCP/MPTCP_INFO); before, only whether the socket was created as
 * IPPROTO_MPTCP. A destroyed connection says false (Go answers true for a
 * closed TCPConn on 5.16+, because its failed getsockopt is not one of the
 * fallback errors), as does a net.Socket with no descriptor yet. Throws
 * ERR_INVALID_ARG_TYPE for anything but a net.Socket.
 */
export function multipathTCP(conn: net.Socket): boolean {
  if (!(conn instanceof net.Socket)) {
    throw Object.assign(new TypeError('The "conn" argument must be an instance of net.Socket'), {
      code: 'ERR_INVALID_ARG_TYPE',
    });
  }
  const level = constants.SOL_MPTCP;
  const info = constants.MPTCP_INFO;
  if (level === undefined || info === undefined) return false; // Go's mptcpsock_stub.go
  let raw: RawConn;
  try {
    raw = syscallConn(conn);
  } catch {
    return false; // no descriptor yet (or any more): Go's !c.ok()
  }
  try {
    return raw.control((fd) => usingMPTCP(fd, level, info));
  } catch (e) {
    if (e instanceof OpError && e.err === ErrClosed) return false; // destroyed
    throw e;
  }
}
