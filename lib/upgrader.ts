// Upgrader: zero-downtime upgrades in the shape of cloudflare/tableflip,
// on top of file.ts. upgrade() starts a new copy of this process with every
// listener made through listen() passed on as a descriptor; once the copy
// calls ready(), `exit` resolves in the old one, which stops accepting and
// drains. The listening sockets, and the connections in their queues, never
// close in between.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { ErrClosed, type OpError } from './errors';
import { type FileListener, fileListenerNamed } from './file';
import { ListenConfig, type StreamNetwork } from './listen-config';
import { type BoundFile, UnixListener, boundFileOf, claimBoundFile, forgetUnlinkChoice } from './unixsock';
import { describe } from './validate';

// The environment variable that tells a new copy what it inherits:
// {"listeners":[{"network","address","fd","file"?}],"notify":fd}, where
// `file` is a unix listener's socket file as its first process bound it
// ({"path","dev","ino"}, the numbers as decimal strings).
const ENV = 'LISTENCONFIG_UPGRADER';

/** tableflip's DefaultUpgradeTimeout: one minute. */
const DEFAULT_UPGRADE_TIMEOUT_MS = 60_000;

export interface UpgraderOptions {
  /** How long a new copy may take to call ready() before upgrade() gives up and kills it, in ms (default 60,000). */
  upgradeTimeout?: number;
  /** Written with this process's pid when ready() is called (atomically: a temporary file renamed). */
  pidFile?: string;
  /** The ListenConfig of new listeners, and the keep-alive settings of inherited ones. */
  listenConfig?: ListenConfig;
}

interface Inherited {
  network: string;
  address: string;
  fd: number;
  file?: { path: string; dev: string; ino: string };
}

// The socket file record of an inherited listener, if it is well formed.
function inheritedFile(l: Inherited): BoundFile | undefined {
  const f = l.file;
  if (typeof f !== 'object' || f === null) return undefined;
  if (typeof f.path !== 'string' || f.path === '' || !/^\d+$/.test(String(f.dev)) || !/^\d+$/.test(String(f.ino)))
    return undefined;
  return { path: f.path, dev: BigInt(f.dev), ino: BigInt(f.ino) };
}

interface Known {
  network: string;
  address: string;
  ln: FileListener;
}

function optionError(message: string, code = 'ERR_INVALID_ARG_TYPE'): Error {
  return Object.assign(code === 'ERR_OUT_OF_RANGE' ? new RangeError(message) : new TypeError(message), { code });
}

function validateOptions(options: unknown): Required<Omit<UpgraderOptions, 'pidFile'>> & { pidFile?: string } {
  if (options === undefined) options = {};
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw optionError(`The "options" argument must be of type object. Received ${describe(options)}`);
  }
  const o = options as Record<string, unknown>;
  for (const k of Object.keys(o)) {
    if (!['upgradeTimeout', 'pidFile', 'listenConfig'].includes(k)) {
      throw optionError(`The option "${k}" is not known to Upgrader.`, 'ERR_INVALID_ARG_VALUE');
    }
  }
  const t = o.upgradeTimeout ?? DEFAULT_UPGRADE_TIMEOUT_MS;
  if (typeof t !== 'number')
    throw optionError(`The "upgradeTimeout" option must be of type number. Received ${describe(t)}`);
  if (!Number.isFinite(t) || t <= 0) {
    throw optionError(
      `The value of "upgradeTimeout" is out of range. It must be a finite number > 0. Received ${t}`,
      'ERR_OUT_OF_RANGE',
    );
  }
  if (o.pidFile !== undefined && typeof o.pidFile !== 'string') {
    throw optionError(`The "pidFile" option must be of type string. Received ${describe(o.pidFile)}`);
  }
  const lc = o.listenConfig ?? new ListenConfig();
  if (!(lc instanceof ListenConfig)) {
    throw optionError(`The "listenConfig" option must be an instance of ListenConfig. Received ${describe(lc)}`);
  }
  return { upgradeTimeout: t, pidFile: o.pidFile as string | undefined, listenConfig: lc };
}

// What the parent passed, read once; the variable is removed so that a
// process this one starts by other means does not take it for its own.
function readInheritance(): { listeners: Inherited[]; notify: number } | undefined {
  const text = process.env[ENV];
  delete process.env[ENV];
  if (text === undefined) return undefined;
  try {
    const v = JSON.parse(text) as { listeners: Inherited[]; notify: number };
    if (!Array.isArray(v.listeners) || !Number.isInteger(v.notify)) throw new Error('bad shape');
    return v;
  } catch {
    process.emitWarning(`${ENV} is not what an Upgrader passes: ignored`, { code: 'LISTENCONFIG_UPGRADER' });
    return undefined;
  }
}

/**
 * Zero-downtime upgrades, tableflip's Upgrader: get listeners with
 * `upg.listen()`, call `upg.ready()` once serving, call `upg.upgrade()`
 * (on SIGHUP, say) to start a new copy of this process, and stop accepting
 * and drain when `upg.exit` resolves:
 *
 *     const upg = new Upgrader({ pidFile: '/run/app.pid' });
 *     process.on('SIGHUP', () => upg.upgrade().catch((e) => console.error(e.message)));
 *     const ln = await upg.listen('tcp', ':8080');
 *     const srv = serve(ln, server);
 *     await upg.ready();
 *     await upg.exit;
 *     await srv.shutdown();
 *
 * The new copy runs with the same argv, execArgv, environment and working
 * directory; its `listen()` with the same network and address returns the
 * inherited listener (the same kernel socket and queue). A unix listener
 * handed on is set not to remove its socket file (setUnlinkOnClose(false))
 * once the new copy is ready; from ready() on, the inherited one removes it
 * on close, if the path still names the file the first process bound,
 * unless the new copy called setUnlinkOnClose() on it itself (its choice
 * is kept). One upgrade at a time, and none while the
 * previous process has not exited, as tableflip. POSIX only (Go's File()).
 */
export class Upgrader {
  /** Resolves when this process should stop accepting and drain: after a successful upgrade, or stop(). */
  readonly exit: Promise<void>;
  readonly #options: ReturnType<typeof validateOptions>;
  readonly #inherited: Map<string, Inherited>;
  readonly #known: Known[] = [];
  readonly #claims: [UnixListener<unknown>, BoundFile][] = [];
  #notify: net.Socket | undefined;
  #parentAlive: boolean;
  #parentExited: Promise<void>;
  #upgrading = false;
  #done = false;
  #ready = false;
  #resolveExit!: () => void;

  constructor(options?: UpgraderOptions) {
    this.#options = validateOptions(options);
    this.exit = new Promise((r) => (this.#resolveExit = r));
    const inh = process.platform === 'win32' ? undefined : readInheritance();
    this.#inherited = new Map((inh?.listeners ?? []).map((l) => [`${l.network}\0${l.address}`, l]));
    this.#parentAlive = inh !== undefined;
    if (inh === undefined) {
      this.#parentExited = Promise.resolve();
      return;
    }
    // The parent's end of this socket closes when it exits: until then it
    // is still draining, and no further upgrade may start.
    const s = new net.Socket({ fd: inh.notify, readable: true, writable: true });
    s.on('error', () => {});
    s.resume();
    this.#parentExited = new Promise((r) =>
      s.once('close', () => {
        this.#parentAlive = false;
        r();
      }),
    );
    s.unref();
    this.#notify = s;
  }

  /** Whether this process was started by an Upgrader (tableflip's HasParent). */
  hasParent(): boolean {
    return this.#notify !== undefined;
  }

  /**
   * A listener for (network, address): the one inherited from the parent
   * under the same network and address, else a new one from the
   * ListenConfig. Either is handed on by the next upgrade().
   */
  async listen(network: StreamNetwork, address: string): Promise<FileListener> {
    const key = `${network}\0${address}`;
    const inh = this.#inherited.get(key);
    let ln: FileListener;
    if (inh !== undefined) {
      this.#inherited.delete(key);
      const file = inheritedFile(inh);
      try {
        ln = fileListenerNamed(inh.fd, this.#options.listenConfig, undefined, file?.path);
      } finally {
        fs.closeSync(inh.fd);
      }
      // The socket file its first process bound: once this process is
      // ready (the parent then stops removing it), this listener removes it
      // on close if the path still names it, so a cold start after the last
      // upgraded process exits finds the path free.
      if (file !== undefined && ln instanceof UnixListener) {
        forgetUnlinkChoice(ln);
        this.#claims.push([ln, file]);
      }
    } else {
      ln = await this.#options.listenConfig.listen(network, address);
    }
    this.#known.push({ network, address, ln });
    return ln;
  }

  /**
   * Tells the parent this process serves (it then stops accepting), and
   * writes the pid file. Inherited listeners never asked for with listen()
   * are closed: nothing would accept from them.
   */
  async ready(): Promise<void> {
    if (this.#ready) return;
    for (const { fd } of this.#inherited.values()) fs.closeSync(fd);
    this.#inherited.clear();
    // A pid file that cannot be written fails ready(), which may be called
    // again: the parent is not told, and keeps serving.
    if (this.#options.pidFile !== undefined) writePidFile(this.#options.pidFile);
    this.#ready = true;
    for (const [ln, file] of this.#claims) claimBoundFile(ln, file);
    this.#claims.length = 0;
    const s = this.#notify;
    if (s !== undefined && !s.destroyed) await new Promise<void>((r) => s.write('ready\n', () => r()));
  }

  /**
   * Starts a new copy of this process with every open listener passed on,
   * and resolves once it called ready(); `exit` resolves then. Rejects,
   * leaving this process serving, when the copy exits first or is not
   * ready within `upgradeTimeout` (it is killed), when an upgrade is under
   * way, when the parent of this process has not exited yet, or after
   * stop() or a successful upgrade.
   */
  upgrade(): Promise<void> {
    if (this.#done) return Promise.reject(upgradeError('this process has upgraded or stopped: it is exiting'));
    if (this.#upgrading) return Promise.reject(upgradeError('an upgrade is already in progress'));
    if (this.#parentAlive) return Promise.reject(upgradeError("the parent process hasn't exited yet"));
    if (process.platform === 'win32') return Promise.reject(upgradeError('not supported by windows'));
    this.#upgrading = true;
    return this.#upgrade().finally(() => {
      this.#upgrading = false;
    });
  }

  async #upgrade(): Promise<void> {
    // Every listener still open is passed on; a closed one is left out.
    const open: Known[] = [];
    const fds: number[] = [];
    for (const k of this.#known) {
      try {
        fds.push(k.ln.file());
        open.push(k);
      } catch (e) {
        if ((e as OpError).err === ErrClosed) continue;
        for (const fd of fds) fs.closeSync(fd);
        throw upgradeError(`cannot pass a listener on: ${(e as Error).message}`);
      }
    }
    const listeners = open.map((k, i) => {
      const f = k.ln instanceof UnixListener ? boundFileOf(k.ln) : undefined;
      const file = f === undefined ? undefined : { path: f.path, dev: String(f.dev), ino: String(f.ino) };
      return { network: k.network, address: k.address, fd: 3 + i, file };
    });
    const notify = 3 + fds.length;
    let child: ReturnType<typeof spawn>;
    try {
      child = spawn(process.execPath, [...process.execArgv, ...process.argv.slice(1)], {
        cwd: process.cwd(),
        env: { ...process.env, [ENV]: JSON.stringify({ listeners, notify }) },
        stdio: ['inherit', 'inherit', 'inherit', ...fds, 'pipe'],
      });
    } catch (e) {
      // A synchronous failure (a bad cwd, too many descriptors…).
      throw upgradeError(`cannot start the new process: ${(e as Error).message}`);
    } finally {
      for (const fd of fds) fs.closeSync(fd);
    }
    const channel = child.stdio[notify] as net.Socket;
    await new Promise<void>((resolve, reject) => {
      let out = '';
      const fail = (why: string) => {
        clearTimeout(timer);
        channel.destroy();
        reject(upgradeError(why));
      };
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        fail(`the new process (pid ${child.pid}) was not ready within ${this.#options.upgradeTimeout} ms; killed it`);
      }, this.#options.upgradeTimeout);
      child.once('error', (e) => fail(`cannot start the new process: ${e.message}`));
      child.once('exit', (code, signal) => {
        if (!out.includes('ready\n'))
          fail(`the new process (pid ${child.pid}) exited (${signal ?? `code ${code}`}) before it was ready`);
      });
      channel.on('error', () => {});
      channel.on('data', (d) => {
        out += d;
        if (!out.includes('ready\n')) return;
        clearTimeout(timer);
        resolve();
      });
    });
    // The child serves: this process keeps its end of the channel open
    // until it exits (the child waits for that), and no longer waits for
    // the child.
    channel.unref();
    child.unref();
    for (const k of open) if (k.ln instanceof UnixListener) k.ln.setUnlinkOnClose(false);
    this.#finish();
  }

  /** Refuses further upgrades and resolves `exit` (tableflip's Stop). */
  stop(): void {
    this.#finish();
  }

  #finish(): void {
    this.#done = true;
    this.#resolveExit();
  }

  /** Resolves when the parent process has exited (at once without a parent). */
  parentExited(): Promise<void> {
    return this.#parentExited;
  }
}

function upgradeError(why: string): Error {
  return Object.assign(new Error(`upgrade: ${why}`), { code: 'ERR_LISTENCONFIG_UPGRADE' });
}

// Atomic, so a reader never sees a half-written pid: a temporary file in
// the same directory, renamed over the old one. The temporary file is
// created exclusively and never through a symlink (O_EXCL, O_NOFOLLOW): a
// name planted in a shared directory cannot redirect the write; a stale
// one (a crash of a process with this pid) is removed first, and the
// temporary file is removed on failure.
function writePidFile(file: string): void {
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.tmp`);
  try {
    fs.unlinkSync(tmp);
  } catch {
    // none: the usual case
  }
  const c = fs.constants;
  const fd = fs.openSync(tmp, c.O_WRONLY | c.O_CREAT | c.O_EXCL | (c.O_NOFOLLOW ?? 0), 0o644);
  try {
    try {
      fs.writeSync(fd, `${process.pid}\n`);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, file);
  } catch (e) {
    try {
      fs.unlinkSync(tmp);
    } catch {
      // already gone
    }
    throw e;
  }
}
