// 4. HTTP: one http.Server served from a ListenConfig listener through
// serve(ln, server) (the API that replaced emitting 'connection' by hand:
// the server's timeouts, close() and connection counts work) against the
// same server on server.listen(). wrk drives it (C, not a Node client that would compete
// for the cores), with keep-alive on, and off (`Connection: close`, a new
// connection per request: the accept path counts).
import { spawnSync } from 'node:child_process';
import { ratio, rotated, summary } from '../lib/stats.mjs';
import { startServer, runLoad } from '../lib/proc.mjs';

export const WRK_MISSING = 'wrk is not installed (Debian: apt-get install -y wrk); the HTTP comparison is skipped';

export function haveWrk() {
  return spawnSync('wrk', ['--version'], { stdio: 'ignore' }).error === undefined;
}

// wrk's "Socket errors: connect 0, read 3, write 0, timeout 12" as numbers
// (the line is absent when all are 0).
export function wrkErrors(text) {
  const n = (k) => Number(new RegExp(`${k} (\\d+)`).exec(text)?.[1] ?? 0);
  return { connect: n('connect'), read: n('read'), write: n('write'), timeout: n('timeout') };
}

export async function httpBench(ctx) {
  const { quick, node, log } = ctx;
  if (!haveWrk()) return { skipped: WRK_MISSING };
  const rounds = ctx.rounds ?? (quick ? 1 : 5);
  const seconds = quick ? 1 : 3;
  const connections = 50;
  const contenders = [
    { name: 'listenconfig', opt: { kind: 'lc', mode: 'http', idiom: 'serve' } },
    { name: 'server.listen', opt: { kind: 'net', mode: 'http' } },
  ];
  const result = { tool: 'wrk', connections, seconds, rounds, modes: {} };
  for (const keepAlive of [true, false]) {
    const mode = keepAlive ? 'keep-alive' : 'Connection: close';
    const runs = Object.fromEntries(contenders.map((c) => [c.name, []]));
    for (let r = 0; r < rounds; r++) {
      for (const c of rotated(contenders, r)) {
        const s = await startServer(node.cmd, node.args(c.opt));
        const args = ['-t1', `-c${connections}`, `-d${seconds}s`];
        if (!keepAlive) args.push('-H', 'Connection: close');
        args.push(`http://127.0.0.1:${s.port}/`);
        const out = await runLoad('wrk', args);
        await s.stop();
        const rps = Number(/Requests\/sec:\s*([\d.]+)/.exec(out)?.[1]);
        const errs = /Socket errors: (.*)/.exec(out)?.[1] ?? '';
        const non2xx = Number(/Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? 0);
        runs[c.name].push({ rps, socketErrors: errs, errors: wrkErrors(errs), non2xx });
        log(
          `http    round ${r + 1}/${rounds}  ${mode.padEnd(18)} ${c.name.padEnd(14)} ${rps.toFixed(0).padStart(6)} req/s${errs ? '  socket errors: ' + errs : ''}`,
        );
      }
    }
    const col = (name) => runs[name].map((x) => x.rps);
    // What wrk counted as failed, summed over the rounds: a side whose
    // clients fail or time out would look faster than it serves.
    const failed = (name) => {
      const sum = { connect: 0, read: 0, write: 0, timeout: 0, non2xx: 0 };
      for (const x of runs[name]) {
        for (const k of ['connect', 'read', 'write', 'timeout']) sum[k] += x.errors[k];
        sum.non2xx += x.non2xx;
      }
      return sum;
    };
    result.modes[mode] = {
      contenders: Object.fromEntries(
        contenders.map((c) => [c.name, { rps: summary(col(c.name)), errors: failed(c.name), runs: runs[c.name] }]),
      ),
      ratio: ratio(col('listenconfig'), col('server.listen')),
    };
  }
  return result;
}
