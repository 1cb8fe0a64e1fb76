// A Listener's life outside its own methods (issue 10): what happens to
// rejections nobody awaits, to retried accept errors nobody watches, and to
// a Listener nobody references.
import type { OpError } from './errors';
import type { NativeAcceptor, NativeWatcher } from './native';

// Rejections of a close the caller may not await: `ln.close(); ln.close();`
// in shutdown code, or an accept() left pending on purpose. Awaiting still
// sees the error; not awaiting must not end the process (issue 10), as a
// second net.Server#close() does not.
export function handled<T>(p: Promise<T>): Promise<T> {
  p.catch(() => {});
  return p;
}

// Go's http.Server logs `http: Accept error: %v; retrying in %v`.
export function warnAcceptError(err: OpError, retryInMs: number): void {
  process.emitWarning(`Accept error: ${err.message}; retrying in ${retryInMs} ms`, {
    type: 'ListenConfigWarning',
    code: 'LISTENCONFIG_ACCEPT_RETRY',
  });
}

// A Listener dropped while open (no accept pending, close() never called)
// is closed when collected, as Go's netFD finalizer closes a lost socket
// and Node's FileHandle closes a lost descriptor, with a warning so the bug
// is seen. Left open it would be a black hole: the kernel keeps completing
// handshakes into a queue nobody will ever accept from. The native
// Acceptor's own finalizer does the closing (it goes with the Listener);
// this registry only warns, and closes if it runs first. It holds the
// Acceptor weakly: V8 may run registry callbacks late (seen on Node 20
// with thousands of registrations: not within seconds), and the socket
// must not wait for that.
// Message sockets (msgconn.ts) are registered the same way, as 'socket'.
interface Dropped {
  acceptor: WeakRef<NativeAcceptor | NativeWatcher>;
  what: string;
  kind?: 'listener' | 'socket';
}
export const dropped = new FinalizationRegistry<Dropped>(({ acceptor, what, kind = 'listener' }) => {
  acceptor.deref()?.close();
  process.emitWarning(`Closed ${kind} ${what} on garbage collection; call close() on a ${kind} no longer in use`, {
    type: 'ListenConfigWarning',
    code: kind === 'socket' ? 'LISTENCONFIG_SOCKET_GC' : 'LISTENCONFIG_LISTENER_GC',
  });
});
