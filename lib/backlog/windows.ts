// maxListenerBacklog on Windows.

/** Winsock's SOMAXCONN_HINT(65535): the largest queue Windows will build. */
export const SOMAXCONN_HINT_MAX = 65535;

/**
 * The default backlog on Windows: 65535.
 *
 * Go's sock_windows.go returns syscall.SOMAXCONN (0x7fffffff), which
 * listen() takes as "a reasonable maximum" and Winsock turns into about 200.
 * This package instead uses SOMAXCONN_HINT(65535), so the default is the
 * largest queue Windows allows; the listener maps it to the hint when it
 * calls listen(). This function only states the number.
 */
export function windowsMaxListenerBacklog(): number {
  return SOMAXCONN_HINT_MAX;
}
