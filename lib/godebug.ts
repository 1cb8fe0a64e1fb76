// Go's GODEBUG settings, read from the environment as Go's runtime reads
// them (internal/godebug), for the one setting this package follows:
// multipathtcp. Read at each use, as Go sees a later os.Setenv("GODEBUG").

/**
 * The value of one GODEBUG setting, '' when unset. GODEBUG is a
 * comma-separated list of name=value; a later setting of a name wins, and
 * an entry without '=' is ignored. A value `v#pattern` is `v` only where
 * Go's bisect pattern enables the call site (bisectApplies).
 */
export function godebug(name: string, env: string | undefined = process.env.GODEBUG): string {
  if (env === undefined) return '';
  const entries = env.split(',');
  for (let i = entries.length - 1; i >= 0; i--) {
    const eq = entries[i].indexOf('=');
    if (eq < 0 || entries[i].slice(0, eq) !== name) continue;
    const value = entries[i].slice(eq + 1);
    const hash = value.indexOf('#');
    if (hash < 0) return value;
    return bisectApplies(value.slice(hash + 1)) ? value.slice(0, hash) : '';
  }
  return '';
}

/**
 * Whether Go's Setting.Value() would return a `v#pattern` value, for a
 * pattern parsed as internal/bisect.New parses it. An empty or invalid
 * pattern leaves no matcher, and the value applies everywhere ("0#x" is
 * invalid: off). A pattern whose answer is the same for every call site
 * ("y", "n", "!y", "-y") is followed exactly. A pattern of hash bits
 * ("0#101") selects call sites by a hash of Go's own call stack, which
 * has no counterpart here: it is taken as not matching, the value as unset
 * (so Multipath TCP stays on). A deliberate approximation
 * (docs/go-compat.md).
 */
export function bisectApplies(pattern: string): boolean {
  let p = pattern;
  if (p === '') return true;
  if (p[0] === 'q') {
    p = p.slice(1);
    if (p === '') return true; // invalid
  }
  while (p[0] === 'v') {
    p = p.slice(1);
    if (p === '') return true; // invalid
  }
  let enable = true;
  while (p[0] === '!') {
    enable = !enable;
    p = p.slice(1);
    if (p === '') return true; // invalid
  }
  if (p === 'n') {
    enable = !enable;
    p = 'y';
  }
  // The conditions, in order; the last that matches an id decides. Only
  // whether each has a mask (depends on the id) or not is kept.
  const conds: { any: boolean; result: boolean }[] = [];
  let result = true;
  let start = 0;
  let wid = 1;
  for (let i = 0; i <= p.length; i++) {
    const c = i < p.length ? p[i] : '-';
    if (i === start && wid === 1 && c === 'x') {
      start = i + 1;
      wid = 4;
      continue;
    }
    if (c === '0' || c === '1') continue;
    if (/^[2-9a-fA-F]$/.test(c)) {
      if (wid !== 4) return true; // invalid
      continue;
    }
    if (c === 'y') {
      if (p[i + 1] === '0' || p[i + 1] === '1') return true; // invalid
      continue;
    }
    if (c !== '+' && c !== '-') return true; // invalid
    if (c === '+' && !result) return true; // invalid: + after -
    if (i > 0) {
      const n = (i - start) * wid;
      if (n > 64 || n <= 0) return true; // invalid
      conds.push({ any: p[start] === 'y', result });
    } else if (c === '-') {
      conds.push({ any: true, result: true });
    }
    result = c === '+';
    start = i + 1;
    wid = 1;
  }
  // matchResult: the last condition matching the id; false when none does.
  const last = conds.length === 0 ? undefined : conds[conds.length - 1];
  if (last !== undefined && !last.any) return false; // depends on Go's call stack
  return (last?.result ?? false) === enable;
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
