// maxListenerBacklog on Darwin and the BSDs, as Go's net/sock_bsd.go
// computes it: one sysctl per OS, clamped to 16 bits.
import { binding } from '../native';

/** syscall.SOMAXCONN on Darwin and every BSD (128). */
export const SOMAXCONN = 128;

/** Reads an unsigned 32-bit sysctl (Go's syscall.SysctlUint32); replaceable in tests. */
export interface SysctlProbe {
  /** The value of the sysctl `name`, or undefined if it cannot be read. */
  sysctlUint32(name: string): number | undefined;
}

/**
 * The real machine: sysctlbyname(3) in the addon (src-native/posix.cc), as
 * Go's syscall.SysctlUint32 calls sysctl(3): no process is spawned, so the
 * first listen neither forks nor fails in a sandbox without the sysctl
 * binary. Undefined when the call fails (no such name, a value that is not
 * 32 bits, an OS without sysctlbyname such as Linux).
 */
export const sysctlProbe: SysctlProbe = {
  sysctlUint32(name: string): number | undefined {
    const r = binding.sysctlUint32(name);
    return r >= 0 ? r : undefined;
  },
};

/** The sysctl Go reads per GOOS; netbsd and dragonfly have none in Go's switch. */
export function sysctlName(platform: string): string | undefined {
  switch (platform) {
    case 'darwin':
    case 'ios':
      return 'kern.ipc.somaxconn';
    case 'freebsd':
      // FreeBSD 10 renamed kern.ipc.somaxconn to kern.ipc.soacceptqueue.
      return 'kern.ipc.soacceptqueue';
    case 'openbsd':
      return 'kern.somaxconn';
    default:
      // NetBSD has no somaxconn-like kernel state; Go's switch has no
      // DragonFly case either.
      return undefined;
  }
}

/**
 * The largest backlog listen(2) accepts on `platform` (a process.platform
 * value or a GOOS): kern.ipc.somaxconn on darwin/ios, kern.ipc.soacceptqueue
 * on freebsd, kern.somaxconn on openbsd. Returns SOMAXCONN (128) when the
 * sysctl is 0 or cannot be read, and always on netbsd and dragonfly. A value
 * above 65535 is clamped to 65535: FreeBSD stores the backlog in a uint16
 * and Go assumes the other BSDs do too (Go issue 5030).
 */
export function bsdMaxListenerBacklog(platform: string, probe: SysctlProbe = sysctlProbe): number {
  const name = sysctlName(platform);
  const n = name === undefined ? undefined : probe.sysctlUint32(name);
  if (n === undefined || n === 0) return SOMAXCONN;
  return Math.min(n, 0xffff);
}
