// Type-checked (not run) in the consumer project: the published declarations.
import lc, {
  ListenConfig,
  type Listener,
  type TCPListener,
  type ListenConfigOptions,
  OpError,
  constants,
  setsockopt,
} from 'listenconfig';

const options: ListenConfigOptions = {
  backlog: 64,
  control(network: string, address: string, raw) {
    raw.control((fd) => setsockopt(fd, constants.SOL_SOCKET, constants.SO_REUSEADDR!, 1));
  },
};
const ln: TCPListener = await new ListenConfig(options).listen('tcp', '127.0.0.1:0');
// Listener is Go's net.Listener interface (what serve() takes); backlog is TCPListener's.
const asListener: Listener = ln;
const effective: number = ln.backlog.effective;
const same: typeof ListenConfig = lc.ListenConfig;
try {
  await ln.accept({ signal: AbortSignal.timeout(1) });
} catch (e) {
  if (e instanceof OpError) console.log(e.op, effective, same.name, String(asListener.addr()));
}
await ln.close();
