// Windows for `listenconfig doctor`: how a backlog option becomes Winsock's
// listen() argument (SOMAXCONN_HINT from 200 on; Go issue 39000).
import { windowsListenBacklog } from '../../backlog/windows';

export interface HintRow {
  backlog: number;
  arg: number;
  queue: number;
}

/** The mapping for a few telling backlogs, and the one asked for. */
export function hintTable(extra?: number): HintRow[] {
  const rows = [1, 199, 200, 511, 4096, 65535, 100000];
  if (extra !== undefined && !rows.includes(extra)) rows.push(extra);
  return rows
    .sort((a, b) => a - b)
    .map((b) => {
      const m = windowsListenBacklog(b);
      return { backlog: b, arg: m.arg, queue: m.effective };
    });
}
