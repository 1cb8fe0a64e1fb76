// Linux's listen facts for `listenconfig doctor`: sysctls under /proc/sys,
// the accept-queue counters of /proc/net/netstat. Per network namespace, as
// the kernel keeps them.
import * as fs from 'node:fs';

function read(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'latin1');
  } catch {
    return undefined;
  }
}

/** A sysctl by its dotted name (`net.core.somaxconn`), or undefined if unreadable. */
export function sysctl(name: string): number | undefined {
  const text = read(`/proc/sys/${name.replace(/\./g, '/')}`);
  const n = text === undefined ? NaN : Number.parseInt(text.trim(), 10);
  return Number.isFinite(n) ? n : undefined;
}

/** The sysctls that decide what happens to a connection the queue cannot take. */
export const SYSCTLS = [
  'net.core.somaxconn',
  'net.ipv4.tcp_max_syn_backlog',
  'net.ipv4.tcp_syncookies',
  'net.ipv4.tcp_abort_on_overflow',
  'net.ipv4.tcp_migrate_req',
] as const;

export interface QueueCounters {
  /** TcpExt ListenOverflows: a SYN or final ACK dropped because an accept queue was full. */
  ListenOverflows?: number;
  /** TcpExt ListenDrops: every connection dropped at a listener (overflows included). */
  ListenDrops?: number;
}

/** TcpExt's ListenOverflows and ListenDrops since boot, this network namespace's. */
export function queueCounters(): QueueCounters {
  const text = read('/proc/net/netstat');
  if (text === undefined) return {};
  // Pairs of lines: "TcpExt: Name1 Name2 …" then "TcpExt: 1 2 …".
  const lines = text.split('\n').filter((l) => l.startsWith('TcpExt:'));
  if (lines.length < 2) return {};
  const names = lines[0]!.split(/\s+/).slice(1);
  const values = lines[1]!.split(/\s+/).slice(1).map(Number);
  const at = (n: string) => {
    const i = names.indexOf(n);
    return i < 0 ? undefined : values[i];
  };
  return { ListenOverflows: at('ListenOverflows'), ListenDrops: at('ListenDrops') };
}
