import { ListenConfig, listen, type Listener, OpError, ErrClosed, constants, setsockopt } from 'listenconfig';
const lc: ListenConfig = new ListenConfig({ backlog: 1, control(n, a, raw) { raw.control((fd) => setsockopt(fd, constants.SOL_SOCKET, constants.SO_REUSEPORT!, 1)); } });
const ln: Listener = await lc.listen('tcp', ':0');
const s = await ln.accept();
s.write('x');
try { await listen('tcp', 'x'); } catch (e) { if (e instanceof OpError && e.err === ErrClosed) console.log(e.op); }
console.log(ln.backlog.effective, ln.addr().port);
import pkg, { type ListenConfigOptions } from 'listenconfig';
const opts: ListenConfigOptions = { backlog: 8 };
const ln2 = await new pkg.ListenConfig(opts).listen('tcp', '127.0.0.1:0');
await ln2.close();
