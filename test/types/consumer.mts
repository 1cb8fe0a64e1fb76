import {
  ListenConfig,
  listen,
  type Listener,
  type TCPListener,
  OpError,
  ErrClosed,
  constants,
  setsockopt,
  serve,
  limitListener,
} from 'listenconfig';
import * as http from 'node:http';
const lc: ListenConfig = new ListenConfig({
  backlog: 1,
  control(n, a, raw) {
    raw.control((fd) => setsockopt(fd, constants.SOL_SOCKET, constants.SO_REUSEPORT!, 1));
  },
});
const ln: TCPListener = await lc.listen('tcp', ':0');
const s = await ln.accept();
s.write('x');
try {
  await listen('tcp', 'x');
} catch (e) {
  if (e instanceof OpError && e.err === ErrClosed) console.log(e.op);
}
console.log(ln.backlog.effective, ln.addr().port);
// Listener is the interface: a TCPListener and a LimitListener both are one.
const any: Listener = Math.random() > 0.5 ? ln : limitListener(ln, 2);
serve(any, http.createServer());
for await (const c of any) c.end();
import pkg, { type ListenConfigOptions } from 'listenconfig';
const opts: ListenConfigOptions = { backlog: 8 };
const ln2 = await new pkg.ListenConfig(opts).listen('tcp', '127.0.0.1:0');
await ln2.close();
import { UnixListener, type UnixAddr } from 'listenconfig';
const ul: UnixListener = await lc.listen('unix', '/tmp/listenconfig-types.sock');
ul.setUnlinkOnClose(true);
const ua: UnixAddr = ul.addr();
console.log(ua.name, ul instanceof UnixListener);
await ul.close();
import { listenPacket, multipathTCP, syscallConn } from 'listenconfig';
import type * as dgram from 'node:dgram';
const pc: dgram.Socket = await lc.listenPacket('udp', ':0');
const pc2: dgram.Socket = await listenPacket('udp4', '127.0.0.1:0');
console.log(
  syscallConn(pc).control((fd) => fd),
  syscallConn(s).control((fd) => fd),
);
pc.close();
pc2.close();
const mp = new ListenConfig({ multipathTCP: true });
mp.setMultipathTCP(false);
const mln: TCPListener = await mp.listen('tcp4', ':0');
const usesMptcp: boolean = mln.multipathTCP() || mp.multipathTCP();
console.log(usesMptcp, multipathTCP(s));
// @ts-expect-error: multipathTCP(conn) takes a net.Socket, not a dgram.Socket
multipathTCP(pc2);
// @ts-expect-error: SOL_MPTCP is Linux's
const solMPTCP: number = constants.SOL_MPTCP;
console.log(solMPTCP);
await mln.close();
// Networks a call does not take do not compile (Go's errors answer JavaScript at run time).
// @ts-expect-error: udp is listenPacket's
void lc.listen('udp', ':0');
// @ts-expect-error: unixgram is listenPacket's
void listen('unixgram', '/tmp/x');
// @ts-expect-error: tcp is listen's
void listenPacket('tcp', ':0');
const dyn: 'tcp' | 'unix' = Math.random() > 0.5 ? 'tcp' : 'unix';
const either = await lc.listen(dyn, ':0');
await either.close();
// Constants an OS may lack are number | undefined; the portable ones are numbers.
const portable: number = constants.SOL_SOCKET;
// @ts-expect-error: SO_REUSEPORT may be undefined (Windows)
const maybe: number = constants.SO_REUSEPORT;
console.log(portable, maybe);
// Message sockets: unixgram (listenPacket), unixpacket (listen), dialUnix, deadlines.
import {
  type UnixConn,
  dialUnix,
  unixRights,
  parseUnixRights,
  ErrDeadlineExceeded,
  type ReadFromResult,
  type ReadMsgResult,
  type PeerCredentials,
} from 'listenconfig';
const gram: UnixConn = await listenPacket('unixgram', '');
const from: ReadFromResult = await gram.readFrom(Buffer.alloc(64));
if (from.addr !== null) await gram.writeTo(Buffer.from('x'), from.addr);
gram.setReadDeadline(new Date(Date.now() + 100));
gram.setDeadline(null);
// @ts-expect-error: a deadline is a Date or null
gram.setDeadline(100);
const pln: UnixListener<UnixConn> = await listen('unixpacket', '/tmp/listenconfig-types-p.sock');
pln.setDeadline(new Date());
const pconn: UnixConn = await pln.accept();
const msg: ReadMsgResult = await pconn.readMsgUnix(Buffer.alloc(64), Buffer.alloc(64));
const fds: number[] = parseUnixRights(Buffer.alloc(0), msg.oobn);
const cred: PeerCredentials = pconn.peerCredentials();
const dialed: UnixConn = await dialUnix('unixgram', '/tmp/x', { laddr: '' });
await dialed.writeMsgUnix(Buffer.from('x'), unixRights(0, 1, 2));
ln.setDeadline(null);
console.log(fds, cred.uid, ErrDeadlineExceeded.message, await dialed.write(Buffer.from('y')));
// Raw IP: Go's 'ip4:icmp' and friends are IPConns.
import { type IPConn, IPAddr, type IPNetwork } from 'listenconfig';
const rawNet: IPNetwork = 'ip4:icmp';
const raw: IPConn = await listenPacket(rawNet, '127.0.0.1');
const rr: { n: number; addr: IPAddr | null } = await raw.readFrom(Buffer.alloc(1500));
await raw.writeTo(Buffer.alloc(8), new IPAddr('127.0.0.1'));
console.log(rr.n);
await raw.close();
