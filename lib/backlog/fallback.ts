// maxListenerBacklog on every other OS (aix, solaris, illumos, ...).

/** syscall.SOMAXCONN on these systems (128). */
export const SOMAXCONN = 128;

/**
 * The default backlog where the OS offers no way to ask: SOMAXCONN (128),
 * as Go's sock_stub.go returns for aix, solaris and illumos.
 */
export function fallbackMaxListenerBacklog(): number {
  return SOMAXCONN;
}
