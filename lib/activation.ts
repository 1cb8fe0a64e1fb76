// systemd socket activation (sd_listen_fds(3)), with go-systemd's
// activation package as the reference: LISTEN_PID must be this process,
// descriptors start at 3, LISTEN_FDNAMES names them, and the variables are
// unset after reading (by default even when LISTEN_PID is another
// process's, so a child never takes its parent's sockets for its own).
import type * as dgram from 'node:dgram';
import * as fs from 'node:fs';
import { type FileListener, fileListenerNamed, filePacketConnNamed } from './file';
import type { ListenConfig } from './listen-config';
import { binding } from './native';
import type { UnixConn } from './unixconn';

/** sd_listen_fds(3)'s first descriptor. */
const LISTEN_FDS_START = 3;
// More descriptors than any socket unit passes: a LISTEN_FDS beyond this
// (or beyond the open-files limit) is garbage, not a list to walk (a
// million took 12.8 s).
const MAX_FDS = 4096;

// The soft open-files limit, where /proc says (Linux); else none known.
function descriptorLimit(): number {
  try {
    const m = /^Max open files\s+(\d+)/m.exec(fs.readFileSync('/proc/self/limits', 'utf8'));
    if (m !== null) return Number(m[1]);
  } catch {
    // no /proc
  }
  return Infinity;
}

// Whether fd is an open descriptor (fstat fails with EBADF when not).
function isOpen(fd: number): boolean {
  try {
    fs.fstatSync(fd);
    return true;
  } catch (e) {
    return (e as { code?: unknown }).code !== 'EBADF';
  }
}

export interface ActivationOptions {
  /** Unset LISTEN_PID, LISTEN_FDS and LISTEN_FDNAMES after reading (default true, as go-systemd). */
  unsetEnv?: boolean;
  /** Keep-alive settings for connections of the listeners (listeners, listenersWithNames). */
  listenConfig?: ListenConfig;
}

/** A descriptor passed by systemd, and its name (LISTEN_FDNAMES, else `LISTEN_FD_<fd>`). */
export interface ActivationFile {
  fd: number;
  name: string;
}

function warn(message: string): void {
  process.emitWarning(message, { code: 'LISTENCONFIG_ACTIVATION' });
}

// Go's strconv.Atoi: an optional sign and decimal digits.
function atoi(v: string | undefined): number | undefined {
  if (v === undefined || !/^[+-]?\d+$/.test(v)) return undefined;
  const n = Number(v);
  return Number.isSafeInteger(n) ? n : undefined;
}

function validateOptions(options: unknown): ActivationOptions {
  if (options === undefined) return {};
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw Object.assign(new TypeError('The "options" argument must be of type object.'), {
      code: 'ERR_INVALID_ARG_TYPE',
    });
  }
  const o = options as ActivationOptions;
  if (o.unsetEnv !== undefined && typeof o.unsetEnv !== 'boolean') {
    throw Object.assign(new TypeError('The "options.unsetEnv" property must be of type boolean.'), {
      code: 'ERR_INVALID_ARG_TYPE',
    });
  }
  return o;
}

/**
 * go-systemd's activation.Files: the descriptors systemd passed to this
 * process, in order, with their names. Empty when LISTEN_PID is not this
 * process's id or LISTEN_FDS is absent or 0. A LISTEN_FDS or LISTEN_PID
 * that is not a number is ignored with a process warning
 * (`LISTENCONFIG_ACTIVATION`), as is a negative count, one above 4096 or
 * the open-files limit, and one that names a descriptor that is not open
 * (the count is garbage: nothing is taken, so the process's own
 * descriptors are never wrapped and closed). Each descriptor returned is
 * made close-on-exec, as go-systemd does, so a child this process spawns
 * does not inherit it. Nothing on Windows, where the variables are left
 * as they are (go-systemd's Files returns nil), with a warning when
 * LISTEN_PID is set.
 *
 * With `unsetEnv: false` a second call reads the same variables, but the
 * descriptors may be gone: `listeners()` and the like close each one they
 * wrap, and the number may since name another file of this process.
 */
export function files(options?: Pick<ActivationOptions, 'unsetEnv'>): ActivationFile[] {
  const { unsetEnv = true } = validateOptions(options);
  const env = process.env;
  const pidText = env.LISTEN_PID;
  const fdsText = env.LISTEN_FDS;
  const namesText = env.LISTEN_FDNAMES;
  if (process.platform === 'win32') {
    // go-systemd's Files returns nil on Windows without reading or
    // unsetting anything: there is no systemd to pass descriptors, and a
    // SOCKET is no small number from 3.
    if (pidText !== undefined) {
      warn("LISTEN_PID is set, but socket activation is systemd's: not supported on Windows, ignored");
    }
    return [];
  }
  if (unsetEnv) {
    delete env.LISTEN_PID;
    delete env.LISTEN_FDS;
    delete env.LISTEN_FDNAMES;
  }
  if (pidText === undefined) return [];
  const pid = atoi(pidText);
  if (pid === undefined) {
    warn(`LISTEN_PID=${JSON.stringify(pidText)} is not a number: socket activation ignored`);
    return [];
  }
  if (pid !== process.pid) return [];
  const n = atoi(fdsText);
  if (n === undefined || n < 0) {
    if (fdsText !== undefined) {
      warn(`LISTEN_FDS=${JSON.stringify(fdsText)} is not a descriptor count: socket activation ignored`);
    }
    return [];
  }
  const cap = Math.min(MAX_FDS, descriptorLimit());
  if (n > cap) {
    warn(
      `LISTEN_FDS=${JSON.stringify(fdsText)} is more descriptors than ${cap} (the most taken, and at most the open-files limit): socket activation ignored`,
    );
    return [];
  }
  for (let i = 0; i < n; i++) {
    const fd = LISTEN_FDS_START + i;
    if (!isOpen(fd)) {
      warn(
        `LISTEN_FDS=${JSON.stringify(fdsText)} but descriptor ${fd} is not open: the count is wrong, socket activation ignored`,
      );
      return [];
    }
  }
  const names = namesText === undefined ? [] : namesText.split(':');
  const out: ActivationFile[] = [];
  for (let i = 0; i < n; i++) {
    const fd = LISTEN_FDS_START + i;
    // systemd passes them inheritable; as go-systemd's Files, mark each
    // close-on-exec, so that one left open (not a listener: null in
    // listeners()) or kept by the caller does not leak into every child
    // this process spawns. Node's startup (libuv's
    // uv_disable_stdio_inheritance) marks descriptors 0-15 and those
    // contiguous after them already; an embedder that skips it does not.
    // Only a failure to read an open descriptor's flags could fail here;
    // the descriptor is then passed on as it is.
    binding.setCloexec(fd);
    const name = names[i] !== undefined && names[i] !== '' ? names[i] : `LISTEN_FD_${fd}`;
    out.push({ fd, name });
  }
  return out;
}

// The wrap of one inherited descriptor, or null when it is not of the kind
// asked (go-systemd's nil); a wrapped one is a duplicate, so the inherited
// descriptor is closed, as go-systemd closes its os.File.
function wrapEach<T>(list: ActivationFile[], wrap: (f: ActivationFile) => T): (T | null)[] {
  return list.map((f) => {
    let v: T;
    try {
      v = wrap(f);
    } catch {
      return null;
    }
    try {
      fs.closeSync(f.fd);
    } catch {
      // Already closed by someone else: the duplicate is what serves.
    }
    return v;
  });
}

/**
 * go-systemd's activation.Listeners: one entry per passed descriptor, a
 * listener (TCP, unix stream or unixpacket: see `fileListener`) or `null` for a
 * descriptor that is not a listening stream socket (it stays open). The
 * environment is read once: a second call (or a `packetConns()` call)
 * finds it unset, unless `unsetEnv: false` (then the descriptors the first
 * call wrapped are closed, or by then other files: see `files()`). Unix listeners made here never
 * remove their socket file: systemd owns it.
 */
export function listeners(options?: ActivationOptions): (FileListener | null)[] {
  const o = validateOptions(options);
  return wrapEach(files(o), (f) => fileListenerNamed(f.fd, o.listenConfig, f.name));
}

/**
 * go-systemd's activation.ListenersWithNames: the listeners by their
 * LISTEN_FDNAMES name (`FileDescriptorName=` in the .socket unit). A
 * descriptor that is not a listener is left out (and stays open).
 */
export function listenersWithNames(options?: ActivationOptions): Map<string, FileListener[]> {
  const o = validateOptions(options);
  const list = files(o);
  const made = wrapEach(list, (f) => fileListenerNamed(f.fd, o.listenConfig, f.name));
  const out = new Map<string, FileListener[]>();
  made.forEach((ln, i) => {
    if (ln === null) return;
    const name = list[i].name;
    out.set(name, [...(out.get(name) ?? []), ln]);
  });
  return out;
}

/**
 * go-systemd's activation.PacketConns: one entry per passed descriptor, a
 * `dgram.Socket` for a UDP socket (`ListenDatagram=` in the .socket unit),
 * a UnixConn for a unix datagram socket, or `null` for anything else (it
 * stays open).
 */
export function packetConns(options?: Pick<ActivationOptions, 'unsetEnv'>): (dgram.Socket | UnixConn | null)[] {
  const o = validateOptions(options);
  return wrapEach(files(o), (f) => filePacketConnNamed(f.fd, f.name));
}
