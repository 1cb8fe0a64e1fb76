// A private network namespace for the burst-at-scale scenario: its own
// loopback and its own net.core.somaxconn and tcp_max_syn_backlog (both
// are per namespace), so the bench can raise them to 65535 without
// touching the machine's. Needs root and iproute2; deleted on every way
// out (return, throw, exit, Ctrl-C).
import { spawnSync } from 'node:child_process';

function run(args) {
  const r = spawnSync(args[0], args.slice(1), { encoding: 'utf8' });
  if (r.error) return r.error.code === 'ENOENT' ? `${args[0]} is not installed` : r.error.message;
  return r.status === 0 ? undefined : (r.stderr || r.stdout).trim() || `${args.join(' ')} failed (${r.status})`;
}

/** Why a namespace cannot be made here, or undefined. */
export function netnsUnavailable() {
  if (process.getuid?.() !== 0) return 'not root: a network namespace needs root';
  return run(['ip', '-V']);
}

/**
 * Runs fn(name) with a fresh namespace whose sysctls are set as given
 * ({ 'net.core.somaxconn': 65535 }), and deletes it afterwards.
 */
export async function withNetns(sysctls, fn) {
  const name = `lcbench-${process.pid}`;
  const del = () => spawnSync('ip', ['netns', 'delete', name], { stdio: 'ignore' });
  const onSignal = (sig) => {
    del();
    process.kill(process.pid, sig);
  };
  del(); // a leftover of a killed run with the same pid
  const why = run(['ip', 'netns', 'add', name]);
  if (why) throw new Error(`bench: ip netns add ${name}: ${why}`);
  process.on('exit', del);
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    for (const args of [
      ['ip', 'link', 'set', 'lo', 'up'],
      ...Object.entries(sysctls).map(([k, v]) => ['sysctl', '-qw', `${k}=${v}`]),
    ]) {
      const e = run(['ip', 'netns', 'exec', name, ...args]);
      if (e) throw new Error(`bench: in netns ${name}, ${args.join(' ')}: ${e}`);
    }
    return await fn(name);
  } finally {
    del();
    process.off('exit', del);
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
