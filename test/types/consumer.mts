import { ListenConfig, listen, type Listener, OpError, ErrClosed, constants, setsockopt } from 'listenconfig';
const lc: ListenConfig = new ListenConfig({ backlog: 1, control(n, a, raw) { raw.control((fd) => setsockopt(fd, constants.SOL_SOCKET, constants.SO_REUSEPORT!, 1)); } });
const ln: Listener = await lc.listen('tcp', ':0');
const s = await ln.accept();
s.write('x');
try { await listen('tcp', 'x'); } catch (e) { if (e instanceof OpError && e.err === ErrClosed) console.log(e.op); }
console.log(ln.backlog.effective, ln.addr().port);
