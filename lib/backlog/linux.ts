// maxListenerBacklog on Linux and Android, as Go's net/sock_linux.go
// computes it: the first field of /proc/sys/net/core/somaxconn, clamped to
// what the running kernel can store.
import * as fs from 'node:fs';
import * as os from 'node:os';

/** syscall.SOMAXCONN on Linux (0x80), the answer whenever the file fails us. */
export const SOMAXCONN = 128;

/** Go's net.big: dtoi gives up at this value (about 16 million). */
const big = 0xffffff;

/** What linuxMaxListenerBacklog reads from the machine; replaceable in tests. */
export interface LinuxProbe {
  /** The text of /proc/sys/net/core/somaxconn, or undefined if it cannot be read. */
  readSomaxconn(): string | undefined;
  /** The kernel release as uname(2) reports it, e.g. "6.18.44-fc-v595". */
  kernelRelease(): string;
}

/** The real machine: readFileSync(2) of the proc file and os.release() (uname(2)). */
export const linuxProbe: LinuxProbe = {
  readSomaxconn(): string | undefined {
    try {
      return fs.readFileSync('/proc/sys/net/core/somaxconn', 'latin1');
    } catch {
      // Missing /proc (containers, chroots) or an SELinux denial on Android.
      return undefined;
    }
  },
  kernelRelease(): string {
    return os.release();
  },
};

/**
 * Go's dtoi: the value of the leading decimal digits of s. Undefined when s
 * does not start with a digit or the value reaches 0xFFFFFF (Go's `big`).
 */
function dtoi(s: string): number | undefined {
  let n = 0;
  let i = 0;
  for (; i < s.length && s.charCodeAt(i) >= 0x30 && s.charCodeAt(i) <= 0x39; i++) {
    n = n * 10 + (s.charCodeAt(i) - 0x30);
    if (n >= big) return undefined;
  }
  return i === 0 ? undefined : n;
}

/**
 * Go's internal/syscall/unix.KernelVersion: major and minor from the uname
 * release, reading digit runs up to the second non-digit. Go walks the whole
 * NUL-padded utsname array, so the end of the string counts as a non-digit
 * ("4.1" is 4.1, not 4.0). Text that is not N.N... yields 0 for what is missing.
 */
export function kernelVersion(release: string): [major: number, minor: number] {
  const values: [number, number] = [0, 0];
  let vi = 0;
  let value = 0;
  for (const c of release + '\0') {
    if (c >= '0' && c <= '9') {
      value = value * 10 + (c.charCodeAt(0) - 0x30);
    } else {
      values[vi as 0 | 1] = value;
      vi++;
      if (vi >= values.length) break;
      value = 0;
    }
  }
  return values;
}

/**
 * Go's maxAckBacklog: Linux stores the accept backlog as a uint16 before
 * kernel 4.1 and as a uint32 from 4.1, so n is clamped to 65535 or to
 * 2^32 - 1 so that listen(2) does not wrap it. See Go issues 5030 and 41470.
 */
export function maxAckBacklog(n: number, release: string): number {
  const [major, minor] = kernelVersion(release);
  const size = major > 4 || (major === 4 && minor >= 1) ? 32 : 16;
  const max = 2 ** size - 1;
  return Math.min(n, max);
}

/**
 * The largest backlog listen(2) accepts on this Linux machine: the first
 * whitespace-separated field of the first line of
 * /proc/sys/net/core/somaxconn, parsed as Go's dtoi does (leading digits, so
 * "4096abc" is 4096). Returns SOMAXCONN (128) when the file cannot be read,
 * is empty, has no leading digits, holds 0, or holds a value of 0xFFFFFF or
 * more. A value above 65535 goes through maxAckBacklog (Go issue 5030).
 * (Where Go would index an empty field list and panic, on a blank first
 * line, this returns SOMAXCONN.)
 */
export function linuxMaxListenerBacklog(probe: LinuxProbe = linuxProbe): number {
  const text = probe.readSomaxconn();
  if (text === undefined || text === '') return SOMAXCONN;
  const nl = text.indexOf('\n');
  const line = nl < 0 ? text : text.slice(0, nl);
  // Go's getFields: split at space, \r, \t and \n, dropping empty fields.
  const fields = line.split(/[ \r\t\n]+/).filter((f) => f !== '');
  if (fields.length === 0) return SOMAXCONN;
  const n = dtoi(fields[0]!);
  if (n === undefined || n === 0) return SOMAXCONN;
  if (n > 0xffff) return maxAckBacklog(n, probe.kernelRelease());
  return n;
}
