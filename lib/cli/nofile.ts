// The open-files limit (RLIMIT_NOFILE) of this process and how much of it
// is in use. Node has no getrlimit; it raises its soft limit to the hard one
// at start-up (node.cc, PlatformInit), so what this reports is already the
// most this process can open without a higher hard limit: only root, or the
// shell that starts Node (`ulimit -n`), can give more.
import * as fs from 'node:fs';
import { execFileSync } from 'node:child_process';

export interface DescriptorLimit {
  /** The soft limit now in force; Infinity for "unlimited". */
  limit: number;
  /** The hard limit, the most `ulimit -n` can raise it to without root; undefined if unknown. */
  hard: number | undefined;
  /** Descriptors open now (an estimate where the OS does not list them). */
  inUse: number;
}

// Linux lists a process's descriptors in /proc/self/fd, macOS and the BSDs in /dev/fd.
function openDescriptors(): number {
  for (const dir of ['/proc/self/fd', '/dev/fd']) {
    try {
      return fs.readdirSync(dir).length;
    } catch {
      // not this OS
    }
  }
  return 16;
}

function parseLimit(text: string): number | undefined {
  const t = text.trim();
  if (t === 'unlimited') return Infinity;
  return /^\d+$/.test(t) ? Number(t) : undefined;
}

/**
 * This process's open-files limit, or undefined where it cannot be read or
 * does not apply (Windows: sockets are not descriptors there).
 */
export function descriptorLimit(): DescriptorLimit | undefined {
  if (process.platform === 'win32') return undefined;
  let limit: number | undefined;
  let hard: number | undefined;
  try {
    // "Max open files            20000                20000                files"
    const line = /^Max open files\s+(\S+)\s+(\S+)/m.exec(fs.readFileSync('/proc/self/limits', 'utf8'));
    limit = line ? parseLimit(line[1]!) : undefined;
    hard = line ? parseLimit(line[2]!) : undefined;
  } catch {
    // No /proc (macOS, the BSDs): a child shell inherits this process's limits.
    const sh = (flag: string) => {
      try {
        return parseLimit(execFileSync('/bin/sh', ['-c', `ulimit ${flag}`], { encoding: 'utf8', timeout: 5000 }));
      } catch {
        return undefined;
      }
    };
    limit = sh('-n');
    hard = limit === undefined ? undefined : sh('-Hn');
  }
  return limit === undefined ? undefined : { limit, hard, inUse: openDescriptors() };
}
