// Go's GODEBUG settings, read from the environment as Go's runtime reads
// them (internal/godebug), for the one setting this package follows:
// multipathtcp. Read at each use, as Go sees a later os.Setenv("GODEBUG").

/**
 * The value of one GODEBUG setting, '' when unset. GODEBUG is a
 * comma-separated list of name=value; a later setting of a name wins, text
 * from '#' on in a value is a bisect pattern, not part of it, and an entry
 * without '=' is ignored.
 */
export function godebug(name: string, env: string | undefined = process.env.GODEBUG): string {
  if (env === undefined) return '';
  const entries = env.split(',');
  for (let i = entries.length - 1; i >= 0; i--) {
    const eq = entries[i].indexOf('=');
    if (eq < 0 || entries[i].slice(0, eq) !== name) continue;
    const value = entries[i].slice(eq + 1);
    const hash = value.indexOf('#');
    return hash < 0 ? value : value.slice(0, hash);
  }
  return '';
}

/**
 * Go 1.24+'s rule for listeners (net/dial.go, mptcpStatusListen): an
 * explicit setMultipathTCP() wins; otherwise GODEBUG=multipathtcp=0 (off)
 * or =3 (dialers only) turns Multipath TCP off, and any other value (1: on,
 * 2: listeners only, unset) leaves it on, the default since Go 1.24.
 */
export function listenMultipathTCP(explicit: boolean | undefined): boolean {
  if (explicit !== undefined) return explicit;
  const v = godebug('multipathtcp');
  return v !== '0' && v !== '3';
}
