// The unix socket file as a deploy sees it (#19): a listener removes only
// the file its own bind(2) created, and unixMode/unixOwner apply before
// listen(2), so no client can connect under looser permissions.
import { expect } from './expect.mjs';
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ListenConfig, OpError, fileListener, listen } from 'listenconfig';
import { setUnixTempVia } from '../dist/unixsock.js';
import { connectUnix, fdCount, lastJSON, missingTools, repoRoot, runNode, skip, thrown, within } from './helpers.mjs';

const posix = process.platform !== 'win32';
const loopFixture = join(repoRoot, 'spec/fixtures/unix-mode-loop.mjs');

// The two ways unixMode reaches its private directory: the OS's own
// (/proc on Linux), and by path (macOS's and the BSDs'), forced here so
// that Linux runs it too.
const VIAS = [
  { title: '', env: {} },
  ...(process.platform === 'linux' ? [{ title: ' (by path, as macOS/BSD)', env: { LC_UNIX_TEMP_VIA: 'path' } }] : []),
];

// A directory every user may enter, so that only the socket's own mode
// decides who connects.
function openDir() {
  const dir = fs.mkdtempSync(join(tmpdir(), 'lc-unixfile-'));
  fs.chmodSync(dir, 0o755);
  return dir;
}

// Runs `code` in node as user nobody (65534) and resolves its stdout.
function asNobody(code, { ready } = {}) {
  const child = spawn('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, '-e', code], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (d) => {
    out += d;
    if (ready !== undefined && out.includes('\n')) ready();
  });
  child.stderr.on('data', (d) => (err += d));
  const done = new Promise((resolve) => child.on('close', (code) => resolve({ code, out, err })));
  return { child, done };
}

function asRootSkipReason() {
  if (!posix || process.platform !== 'linux') return 'needs Linux';
  if (process.getuid?.() !== 0) return 'needs root to run a client as another user';
  const missing = missingTools('setpriv');
  if (missing !== undefined) return missing;
  const r = spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, '-e', '0']);
  if (r.status !== 0) return `setpriv cannot run node as uid 65534: ${String(r.stderr).trim()}`;
  return undefined;
}

describe('unix socket file: unlink only its own file', function () {
  this.timeout(20_000);
  before(function () {
    if (!posix) skip(this, 'unix listeners are not supported on Windows');
  });

  it("closing A after another process replaced A's file leaves B's file and B serving", async () => {
    const dir = openDir();
    const path = join(dir, 's.sock');
    const a = await listen('unix', path);
    // Another process does what a restart does: removes the path, binds anew.
    const b = spawn(
      process.execPath,
      [
        '-e',
        `const fs=require('fs'),net=require('net');fs.unlinkSync(${JSON.stringify(path)});` +
          `net.createServer((c)=>c.end('B')).listen(${JSON.stringify(path)},()=>console.log('ready'));`,
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    try {
      await within(new Promise((r) => b.stdout.once('data', r)), 10_000, 'process B listening');
      await a.close();
      expect(fs.existsSync(path)).to.equal(true);
      const c = await connectUnix(path);
      const got = await within(new Promise((r) => c.once('data', (d) => r(String(d)))), 5000, "B's answer");
      expect(got).to.equal('B');
      c.destroy();
    } finally {
      b.kill();
      await new Promise((r) => b.once('close', r));
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('still removes its own file, and keeps it after setUnlinkOnClose(false)', async () => {
    const dir = openDir();
    try {
      const p1 = join(dir, 'a.sock');
      await (await listen('unix', p1)).close();
      expect(fs.existsSync(p1)).to.equal(false);
      const p2 = join(dir, 'b.sock');
      const ln = await listen('unix', p2);
      ln.setUnlinkOnClose(false);
      await ln.close();
      expect(fs.existsSync(p2)).to.equal(true);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  // Go's FileListener would remove the path on close after
  // SetUnlinkOnClose(true); this one cannot know the file is its own.
  it('setUnlinkOnClose(true) on a fileListener listener keeps the file and warns once why', async () => {
    const dir = openDir();
    const path = join(dir, 's.sock');
    const warnings = [];
    const onWarning = (w) => warnings.push({ name: w.name, code: w.code, message: w.message });
    process.on('warning', onWarning);
    const ln = await listen('unix', path);
    const fd = ln.file();
    try {
      const ln2 = fileListener(fd);
      ln2.setUnlinkOnClose(true);
      ln2.setUnlinkOnClose(true);
      ln.setUnlinkOnClose(true); // its own file: no warning
      await ln2.close();
      expect(fs.existsSync(path)).to.equal(true);
      await new Promise((resolve) => setImmediate(resolve));
      expect(warnings).to.deep.equal([
        {
          name: 'ListenConfigWarning',
          code: 'LISTENCONFIG_UNLINK_ON_CLOSE',
          message: `setUnlinkOnClose(true) on unix listener ${path} does nothing: this listener did not bind the socket file (it came from a descriptor), so it cannot know the file is its own and never removes it`,
        },
      ]);
    } finally {
      process.off('warning', onWarning);
      fs.closeSync(fd);
      await ln.close();
      expect(fs.existsSync(path)).to.equal(false);
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('unixMode and unixOwner', function () {
  this.timeout(60_000);
  before(function () {
    if (!posix) skip(this, 'unix listeners are not supported on Windows');
  });

  it('the file has the mode (and group) asked, whatever the umask', async () => {
    const dir = openDir();
    const path = join(dir, 's.sock');
    const gid = process.getgid?.() ?? 0;
    try {
      // A child per umask: the mocha process's own umask stays as it is.
      for (const umask of [0, 0o022, 0o077, 0o777]) {
        const r = await runNode([
          '--input-type=module',
          '-e',
          `import * as fs from 'node:fs';import { ListenConfig } from 'listenconfig';process.umask(${umask});` +
            `const ln=await new ListenConfig({unixMode:0o660,unixOwner:{gid:${gid}}}).listen('unix',${JSON.stringify(path)});` +
            `const st=fs.statSync(${JSON.stringify(path)});` +
            `console.log(JSON.stringify({mode:st.mode&0o7777,gid:st.gid,addr:ln.addr().name,umask:process.umask()}));` +
            'await ln.close();',
        ]);
        expect(r.code, r.stderr).to.equal(0);
        expect(lastJSON(r.stdout)).to.deep.equal({ mode: 0o660, gid, addr: path, umask });
        expect(fs.readdirSync(dir)).to.deep.equal([]); // no file, no temporary directory left
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a failed chown leaves no file and gives Go-shaped errors', async function () {
    if (process.getuid?.() === 0) return skip(this, 'root may chown to anyone: needs an unprivileged user');
    const dir = openDir();
    const path = join(dir, 's.sock');
    try {
      const e = await new ListenConfig({ unixOwner: { uid: 0 } }).listen('unix', path).catch((x) => x);
      expect(e).to.be.instanceOf(OpError);
      expect(e.message).to.equal(`listen unix ${path}: chown: operation not permitted`);
      expect(fs.existsSync(path)).to.equal(false);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('abstract names and bad values are refused clearly', async function () {
    if (process.platform === 'linux') {
      const e = await new ListenConfig({ unixMode: 0o600 }).listen('unix', '@lc-abstract-mode').catch((x) => x);
      expect(e).to.be.instanceOf(OpError);
      expect(e.message).to.match(/^listen unix @lc-abstract-mode: unixMode and unixOwner apply to a socket file/);
    }
    expect(thrown(() => new ListenConfig({ unixMode: '660' })).code).to.equal('ERR_INVALID_ARG_TYPE');
    expect(thrown(() => new ListenConfig({ unixMode: 0o10000 })).code).to.equal('ERR_OUT_OF_RANGE');
    expect(thrown(() => new ListenConfig({ unixMode: 1.5 })).code).to.equal('ERR_OUT_OF_RANGE');
    expect(thrown(() => new ListenConfig({ unixOwner: 0 })).code).to.equal('ERR_INVALID_ARG_TYPE');
    expect(thrown(() => new ListenConfig({ unixOwner: { user: 'x' } })).code).to.equal('ERR_INVALID_ARG_VALUE');
    expect(thrown(() => new ListenConfig({ unixOwner: { uid: -2 } })).code).to.equal('ERR_OUT_OF_RANGE');
  });

  it('another user cannot connect to a 0o600 socket owned by root, and can to a 0o666 one', async function () {
    const why = asRootSkipReason();
    if (why !== undefined) return skip(this, why);
    const dir = openDir();
    const tryConnect = (path) =>
      asNobody(
        `require('net').connect(${JSON.stringify(path)}).on('connect',()=>{console.log('connected');process.exit(0)})` +
          `.on('error',(e)=>{console.log(e.code);process.exit(0)})`,
      ).done;
    // Under umask 0, where bind(2) alone makes the file 0777: under the
    // usual 022 (0755, no write for others) nobody would be refused
    // without unixMode too. The plain listener shows it.
    const umask = process.umask(0);
    try {
      const plain = await listen('unix', join(dir, 'plain.sock'));
      const closed = await new ListenConfig({ unixMode: 0o600 }).listen('unix', join(dir, 'closed.sock'));
      const open = await new ListenConfig({ unixMode: 0o666 }).listen('unix', join(dir, 'open.sock'));
      process.umask(umask);
      expect(fs.statSync(join(dir, 'plain.sock')).mode & 0o777).to.equal(0o777);
      expect((await tryConnect(join(dir, 'plain.sock'))).out.trim()).to.equal('connected');
      expect((await tryConnect(join(dir, 'closed.sock'))).out.trim()).to.equal('EACCES');
      expect((await tryConnect(join(dir, 'open.sock'))).out.trim()).to.equal('connected');
      await plain.close();
      await closed.close();
      await open.close();
    } finally {
      process.umask(umask);
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  // A client's connect() checks the file's permission when it looks the
  // path up, and whether the socket listens only later: a lookup made while
  // the file still had the umask's mode (0777 under umask 0) got in once
  // the mode was set and listen(2) ran. The listener loops in a child under
  // umask 0, with no pause; the reviewer's loop hit the window about once
  // in 300 listens.
  for (const via of VIAS) {
    it(`a client racing the listen (umask 0) never gets in at 0o600, and does at 0o666${via.title}`, async function () {
      const why = asRootSkipReason();
      if (why !== undefined) return skip(this, why);
      const dir = openDir();
      const path = join(dir, 'race.sock');
      const race = async (mode, ms, hold = 0) => {
        let started;
        const startedP = new Promise((r) => (started = r));
        const client = asNobody(
          `const net=require('net');let ok=0,tries=0;console.log('go');` +
            `process.on('SIGTERM',()=>{console.log(JSON.stringify({ok,tries}));process.exit(0)});` +
            `function one(){tries++;const c=net.connect(${JSON.stringify(path)});` +
            `c.on('connect',()=>{ok++;c.destroy();one()});c.on('error',()=>one())}` +
            `for(let i=0;i<8;i++)one();`,
          { ready: () => started() },
        );
        await within(startedP, 10_000, 'the racing client');
        const server = await runNode([loopFixture, path, mode.toString(8), String(ms), '0'], {
          timeout: ms + 20_000,
          env: { LC_HOLD_MS: String(hold), ...via.env },
        });
        client.child.kill('SIGTERM');
        const { out } = await client.done;
        expect(server.code, server.stderr).to.equal(0);
        return { ...lastJSON(out), ...lastJSON(server.stdout) };
      };
      try {
        // The control holds each listener open 3 ms, so that connects do land.
        const open = await race(0o666, 1000, 3);
        console.log(`    0o666: ${open.tries} connect attempts during ${open.listens} listens, ${open.ok} got in`);
        expect(open.ok).to.be.above(0); // the client does race the listen
        const closed = await race(0o600, 5000);
        console.log(
          `    0o600: ${closed.tries} connect attempts during ${closed.listens} listens, ${closed.ok} got in`,
        );
        expect(closed.listens).to.be.above(500);
        expect(closed.errors).to.equal(0);
        expect(closed.ok).to.equal(0);
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });
  }

  // A user who may write the socket's directory swaps the new socket file
  // for a symlink to a root-owned file; setting the mode and owner on the
  // path after bind(2) followed it (the reviewer's target became 0666 after
  // 18 listens).
  // By path, a directory writable by others must be sticky (else refused,
  // below): the racer may still put its entries there, not move ours.
  for (const via of VIAS) {
    it(`a symlink raced over the path never gets root's chmod or chown to follow it${via.title}`, async function () {
      const why = asRootSkipReason();
      if (why !== undefined) return skip(this, why);
      const dir = openDir();
      fs.chmodSync(dir, via.env.LC_UNIX_TEMP_VIA === 'path' ? 0o1777 : 0o777); // writable by the racer
      const targetDir = openDir();
      const target = join(targetDir, 'secret');
      fs.writeFileSync(target, 'secret', { mode: 0o600 });
      fs.chownSync(target, 0, 0);
      const path = join(dir, 's.sock');
      const racer = asNobody(
        `const fs=require('fs');console.log('go');const end=Date.now()+60000;let n=0;` +
          `process.on('SIGTERM',()=>{console.log(JSON.stringify({swaps:n}));process.exit(0)});` +
          `(function loop(){for(let i=0;i<2000;i++){try{fs.symlinkSync(${JSON.stringify(target)},${JSON.stringify(join(dir, 'l'))})}catch{}` +
          `try{fs.renameSync(${JSON.stringify(join(dir, 'l'))},${JSON.stringify(path)});n++}catch{}}` +
          `if(Date.now()<end)setImmediate(loop)})();`,
      );
      try {
        await within(new Promise((r) => racer.child.stdout.once('data', r)), 10_000, 'the racer');
        // unixOwner 0:65534 as root, so a chown through the symlink shows in the gid.
        const server = await runNode([loopFixture, path, '666', '5000', '22', 'unlink', '0:65534'], {
          timeout: 30_000,
          env: via.env,
        });
        racer.child.kill('SIGTERM');
        const { out } = await racer.done;
        expect(server.code, server.stderr).to.equal(0);
        const { listens, errors } = lastJSON(server.stdout);
        console.log(`    ${listens} listens (${errors} failed), ${lastJSON(out).swaps} swaps by the racer`);
        // Under the fix most attempts fail at link(2), the racer's symlink
        // holding the path (EADDRINUSE): each still set a mode and owner.
        expect(listens).to.be.above(0);
        expect(listens + errors).to.be.above(1000);
        const st = fs.statSync(target);
        expect({ mode: st.mode & 0o7777, uid: st.uid, gid: st.gid }).to.deep.equal({ mode: 0o600, uid: 0, gid: 0 });
      } finally {
        racer.child.kill('SIGKILL');
        fs.rmSync(dir, { recursive: true, force: true });
        fs.rmSync(targetDir, { recursive: true, force: true });
      }
    });
  }
});

describe('unix socket file: a failure after bind(2) leaves no file', function () {
  before(function () {
    if (!posix) skip(this, 'unix listeners are not supported on Windows');
  });
  const realFs = createRequire(import.meta.url)('node:fs');

  // Neither call fails on this machine as root; they are made to fail
  // here, for this one path, to reach the clean-up that a failure would run.
  it('lstat(2) of the new file fails: the file bind(2) created is removed, the error is Go-shaped', async () => {
    const dir = openDir();
    const path = join(dir, 's.sock');
    const lstat = realFs.lstatSync;
    const fds = fdCount();
    realFs.lstatSync = function (p, ...rest) {
      if (p === path) throw Object.assign(new Error('EIO'), { errno: -5, code: 'EIO', syscall: 'lstat' });
      return lstat.call(this, p, ...rest);
    };
    let e;
    try {
      e = await listen('unix', path).catch((x) => x);
    } finally {
      realFs.lstatSync = lstat;
    }
    try {
      expect(e).to.be.instanceOf(OpError);
      expect(e.message).to.equal(`listen unix ${path}: lstat: input/output error`);
      expect(fs.readdirSync(dir)).to.deep.equal([]);
      expect(fdCount()).to.equal(fds);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  // ENOENT or ENOTDIR: the file bind(2) made is gone, so whatever the path
  // names now is another's. The mock says ENOENT while the file is there,
  // which stands for that other file.
  it('lstat(2) says ENOENT: the path is left alone, the error is Go-shaped', async () => {
    const dir = openDir();
    const path = join(dir, 's.sock');
    const lstat = realFs.lstatSync;
    const fds = fdCount();
    realFs.lstatSync = function (p, ...rest) {
      if (p === path) throw Object.assign(new Error('ENOENT'), { errno: -2, code: 'ENOENT', syscall: 'lstat' });
      return lstat.call(this, p, ...rest);
    };
    let e;
    try {
      e = await listen('unix', path).catch((x) => x);
    } finally {
      realFs.lstatSync = lstat;
    }
    try {
      expect(e).to.be.instanceOf(OpError);
      expect(e.message).to.equal(`listen unix ${path}: lstat: no such file or directory`);
      expect(fs.readdirSync(dir)).to.deep.equal(['s.sock']);
      expect(fdCount()).to.equal(fds);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  // The listener's construction (socket()'s make step) failing, forced
  // through the native Acceptor it makes.
  for (const { mode, title } of [
    { mode: undefined, title: '' },
    { mode: 0o660, title: ' (unixMode)' },
  ]) {
    it(`the UnixListener cannot be made${title}: no socket file, no descriptor`, async () => {
      const { binding } = await import('../dist/native.js');
      const dir = openDir();
      const path = join(dir, 's.sock');
      const real = binding.Acceptor;
      const fds = fdCount();
      binding.Acceptor = function () {
        throw new Error('no acceptor');
      };
      let e;
      try {
        e = await new ListenConfig({ unixMode: mode }).listen('unix', path).catch((x) => x);
      } finally {
        binding.Acceptor = real;
      }
      try {
        expect(e).to.be.instanceOf(OpError);
        expect(e.message).to.equal(`listen unix ${path}: no acceptor`);
        expect(fs.readdirSync(dir)).to.deep.equal([]);
        expect(fdCount()).to.equal(fds);
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });
  }

  // An LSM (SELinux, AppArmor) may refuse listen(2) with EACCES.
  const cases = [
    { mode: undefined, via: undefined, title: '' },
    { mode: 0o660, via: undefined, title: ' (unixMode)' },
    ...(VIAS.length > 1 ? [{ mode: 0o660, via: 'path', title: ' (unixMode, by path)' }] : []),
  ];
  for (const { mode, via, title } of cases) {
    it(`listen(2) fails${title}: no socket file, no temporary directory`, async () => {
      const { binding } = await import('../dist/native.js');
      const dir = openDir();
      const path = join(dir, 's.sock');
      const real = binding.listen;
      const fds = fdCount();
      binding.listen = () => -13;
      setUnixTempVia(via);
      let e;
      try {
        e = await new ListenConfig({ unixMode: mode }).listen('unix', path).catch((x) => x);
      } finally {
        binding.listen = real;
        setUnixTempVia(undefined);
      }
      try {
        expect(e).to.be.instanceOf(OpError);
        expect(e.message).to.equal(`listen unix ${path}: listen: permission denied`);
        expect(fs.readdirSync(dir)).to.deep.equal([]);
        expect(fdCount()).to.equal(fds);
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });
  }
});

// A Linux whose /proc is not mounted (a container, a chroot) has no
// /proc/self/fd: unixMode goes by path there, as on macOS.
describe('unixMode on Linux without /proc mounted', function () {
  this.timeout(30_000);
  before(function () {
    if (process.platform !== 'linux') return skip(this, 'needs Linux');
    if (process.getuid?.() !== 0) return skip(this, 'needs root to unmount /proc in a mount namespace (unshare -m)');
    const missing = missingTools('unshare');
    if (missing !== undefined) return skip(this, missing);
    const r = spawnSync('unshare', ['-m', '--', 'sh', '-c', 'umount -l /proc && ! test -e /proc/self/fd']);
    if (r.status !== 0) return skip(this, `unshare -m cannot unmount /proc here: ${String(r.stderr).trim()}`);
  });

  it('listens by path: the mode applied, nothing temporary left', async () => {
    const dir = openDir();
    const path = join(dir, 's.sock');
    try {
      const code =
        `import { ListenConfig } from 'listenconfig'; import * as fs from 'node:fs';` +
        `const proc = fs.existsSync('/proc/self/fd');` +
        `const ln = await new ListenConfig({ unixMode: 0o640 }).listen('unix', ${JSON.stringify(path)});` +
        `const mode = fs.statSync(${JSON.stringify(path)}).mode & 0o777;` +
        `const entries = fs.readdirSync(${JSON.stringify(dir)});` +
        `await ln.close();` +
        `console.log(JSON.stringify({ proc, mode, entries }));`;
      const r = await runNode(['--input-type=module', '-e', code], {
        prefix: ['unshare', '-m', '--', 'sh', '-c', 'umount -l /proc && exec "$0" "$@"'],
      });
      expect(r.stderr).to.equal('');
      expect(lastJSON(r.stdout)).to.deep.equal({ proc: false, mode: 0o640, entries: ['s.sock'] });
      expect(fs.readdirSync(dir)).to.deep.equal([]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('unixMode handed on by hand: the socket keeps the name bind(2) gave it', function () {
  before(function () {
    if (!posix) skip(this, 'unix listeners are not supported on Windows');
  });

  // getsockname(2) reads the temporary name, and that is all a descriptor
  // carries: fileListener cannot know the path. Upgrader passes it along;
  // a hand-made hand-on must pass it too (docs/deploy.md).
  for (const via of VIAS) {
    it(`fileListener(ln.file()) names the temporary path, and serves at the real one${via.title}`, async () => {
      const dir = openDir();
      const path = join(dir, 's.sock');
      setUnixTempVia(via.env.LC_UNIX_TEMP_VIA);
      let ln;
      try {
        ln = await new ListenConfig({ unixMode: 0o660 }).listen('unix', path);
      } finally {
        setUnixTempVia(undefined);
      }
      const fd = ln.file();
      try {
        const ln2 = fileListener(fd);
        expect(ln.addr().name).to.equal(path);
        const temp =
          via.env.LC_UNIX_TEMP_VIA === 'path' || process.platform !== 'linux'
            ? new RegExp(`^${dir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/\\.lc[^/]{6}/s$`)
            : /^\/proc\/self\/fd\/\d+\/s$/;
        expect(ln2.addr().name).to.match(temp);
        const c = await connectUnix(path);
        const conn = await within(ln2.accept(), 5000, 'the accept');
        conn.end('hi');
        const got = await within(new Promise((r) => c.once('data', (d) => r(String(d)))), 5000, 'the answer');
        expect(got).to.equal('hi');
        c.destroy();
        await ln2.close();
        expect(fs.existsSync(path)).to.equal(true); // fileListener never removes the file
      } finally {
        fs.closeSync(fd);
        await ln.close();
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });
  }
});

describe('unixMode by path (macOS and the BSDs), forced on Linux', function () {
  this.timeout(20_000);
  before(function () {
    if (process.platform !== 'linux') return skip(this, 'elsewhere it is the only way, run by the suites above');
  });
  beforeEach(() => setUnixTempVia('path'));
  afterEach(() => setUnixTempVia(undefined));

  it('the file has the mode asked under any umask, and nothing temporary is left', async () => {
    const dir = openDir();
    const path = join(dir, 's.sock');
    const gid = process.getgid?.() ?? 0;
    try {
      for (const umask of [0, 0o022, 0o077]) {
        const old = process.umask(umask);
        let ln;
        try {
          ln = await new ListenConfig({ unixMode: 0o640, unixOwner: { gid } }).listen('unix', path);
        } finally {
          process.umask(old);
        }
        const st = fs.statSync(path);
        expect({ mode: st.mode & 0o7777, gid: st.gid, addr: ln.addr().name }).to.deep.equal({
          mode: 0o640,
          gid,
          addr: path,
        });
        expect(fs.readdirSync(dir)).to.deep.equal(['s.sock']);
        const c = await connectUnix(path);
        const conn = await within(ln.accept(), 5000, 'the accept');
        conn.destroy();
        c.destroy();
        await ln.close();
        expect(fs.readdirSync(dir)).to.deep.equal([]);
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a directory others may write and not sticky, or of another user, is refused; a sticky one serves', async function () {
    const dir = openDir();
    const path = join(dir, 's.sock');
    const fds = fdCount();
    try {
      fs.chmodSync(dir, 0o777);
      const e = await new ListenConfig({ unixMode: 0o600 }).listen('unix', path).catch((x) => x);
      expect(e).to.be.instanceOf(OpError);
      expect(e.message).to.equal(
        `listen unix ${path}: unixMode and unixOwner: the directory ${dir} is writable by other users and not sticky (mode 0777), so the temporary name bound under it could be swapped; on this OS (no /proc) every directory above the socket must be one only its owner may change, or sticky`,
      );
      expect(fs.readdirSync(dir)).to.deep.equal([]);
      fs.chmodSync(dir, 0o1777);
      const ln = await new ListenConfig({ unixMode: 0o600 }).listen('unix', path);
      expect(fs.statSync(path).mode & 0o777).to.equal(0o600);
      await ln.close();
      if (process.getuid?.() === 0) {
        fs.chmodSync(dir, 0o755);
        fs.chownSync(dir, 65534, 65534);
        const e2 = await new ListenConfig({ unixMode: 0o600 }).listen('unix', path).catch((x) => x);
        expect(e2.message).to.equal(
          `listen unix ${path}: unixMode and unixOwner: the directory ${dir} belongs to another user (uid 65534), who could swap the temporary name bound under it; on this OS (no /proc) every directory above the socket must be this user's or root's`,
        );
      }
      expect(fs.readdirSync(dir)).to.deep.equal([]);
      expect(fdCount()).to.equal(fds);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
  // A rename in any directory above swaps the temporary name as well as
  // one in the parent, and a symlinked parent is judged where it leads.
  it('a group/other-writable, non-sticky directory above the parent is refused, through a symlink too', async () => {
    const grand = openDir();
    const parent = join(grand, 'inner');
    const links = openDir();
    const link = join(links, 'l');
    const fds = fdCount();
    try {
      fs.mkdirSync(parent, { mode: 0o755 });
      fs.chmodSync(grand, 0o777);
      fs.symlinkSync(parent, link);
      const want = (path) =>
        `listen unix ${path}: unixMode and unixOwner: the directory ${grand} is writable by other users and not sticky (mode 0777), so the temporary name bound under it could be swapped; on this OS (no /proc) every directory above the socket must be one only its owner may change, or sticky`;
      for (const path of [join(parent, 's.sock'), join(link, 's.sock')]) {
        const e = await new ListenConfig({ unixMode: 0o600 }).listen('unix', path).catch((x) => x);
        expect(e).to.be.instanceOf(OpError);
        expect(e.message).to.equal(want(path));
      }
      expect(fs.readdirSync(parent)).to.deep.equal([]);
      expect(fdCount()).to.equal(fds);
      // The same tree with the grandparent fixed serves, the temporary
      // directory made where the symlink leads.
      fs.chmodSync(grand, 0o755);
      const ln = await new ListenConfig({ unixMode: 0o600 }).listen('unix', join(link, 's.sock'));
      expect(fs.statSync(join(parent, 's.sock')).mode & 0o777).to.equal(0o600);
      expect(fs.readdirSync(parent)).to.deep.equal(['s.sock']);
      await ln.close();
      expect(fs.readdirSync(parent)).to.deep.equal([]);
    } finally {
      fs.rmSync(grand, { recursive: true, force: true });
      fs.rmSync(links, { recursive: true, force: true });
    }
  });
});
