// maxListenerBacklog: the backlog listen(2) gets when the caller does not
// choose one, found as Go finds it. The per-OS facts live in linux.ts,
// bsd.ts, windows.ts and fallback.ts; this file only dispatches and caches.
import { linuxMaxListenerBacklog, linuxProbe, type LinuxProbe } from './linux';
import { bsdMaxListenerBacklog, sysctlProbe, type SysctlProbe } from './bsd';
import { windowsMaxListenerBacklog } from './windows';
import { fallbackMaxListenerBacklog } from './fallback';

export { linuxMaxListenerBacklog, linuxProbe, kernelVersion, maxAckBacklog } from './linux';
export type { LinuxProbe } from './linux';
export { bsdMaxListenerBacklog, sysctlProbe } from './bsd';
export type { SysctlProbe } from './bsd';
export { windowsMaxListenerBacklog } from './windows';
export { fallbackMaxListenerBacklog } from './fallback';

/**
 * maxListenerBacklog for `platform` (a process.platform value or a GOOS),
 * read afresh each call: linux and android from /proc; darwin, ios,
 * freebsd, netbsd, openbsd and dragonfly through sysctl (netbsd and
 * dragonfly have none, so 128); win32 65535; aix 1024; anything else 128.
 */
export function computeMaxListenerBacklog(
  platform: NodeJS.Platform | string,
  probes: { linux?: LinuxProbe; sysctl?: SysctlProbe } = {},
): number {
  switch (platform) {
    case 'linux':
    case 'android':
      return linuxMaxListenerBacklog(probes.linux ?? linuxProbe);
    case 'darwin':
    case 'ios':
    case 'dragonfly':
    case 'freebsd':
    case 'netbsd':
    case 'openbsd':
      return bsdMaxListenerBacklog(platform, probes.sysctl ?? sysctlProbe);
    case 'win32':
      return windowsMaxListenerBacklog();
    default:
      return fallbackMaxListenerBacklog(platform);
  }
}

let cached: number | undefined;

/**
 * The largest backlog this machine's listen(2) accepts, always at least 1.
 * Read once, on first use, and kept for the life of the process, as Go reads
 * it once at package init; a later change to somaxconn is not seen.
 */
export function maxListenerBacklog(): number {
  if (cached === undefined) cached = computeMaxListenerBacklog(process.platform);
  return cached;
}

/** Forgets the cached value, so the next maxListenerBacklog() reads again. Tests only. */
export function resetMaxListenerBacklogCacheForTests(): void {
  cached = undefined;
}
