// maxListenerBacklog on every other OS (aix, solaris, illumos, ...).

/** syscall.SOMAXCONN on most of these systems (128). */
export const SOMAXCONN = 128;

/** AIX's SOMAXCONN is 1024 (Go's zerrors_aix_ppc64.go: 0x400). */
export const SOMAXCONN_AIX = 1024;

/**
 * The default backlog where the OS offers no way to ask: the platform's
 * SOMAXCONN constant, as Go's sock_stub.go returns it (1024 on aix, 128 on
 * solaris, illumos and the rest).
 */
export function fallbackMaxListenerBacklog(platform?: string): number {
  return platform === 'aix' ? SOMAXCONN_AIX : SOMAXCONN;
}
