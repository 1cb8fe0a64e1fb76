// Go as the reference for message sockets: the same unixgram, unixpacket,
// raw IP and deadline calls through Go (spec/go/messages, built in the
// module spec/go with the reference release, Go 1.27, found as
// spec/go.spec.mjs finds it) and through this package, every text
// compared; then Go as a real peer, exchanging datagrams, seqpackets and
// descriptors with the package.
import { expect } from './expect.mjs';
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ListenConfig, listen, listenPacket, dialUnix, unixRights, parseUnixRights, constants } from 'listenconfig';
import { goEnv, goModule, goOrSkip, within } from './helpers.mjs';

const text = (p) =>
  p.then(
    () => '<nil>',
    (e) => e.message,
  );
const past = () => new Date(Date.now() - 1000);

async function ours(dir) {
  const out = {};
  const a = await listenPacket('unixgram', `${dir}/a.sock`);
  out['bind in use'] = await text(listenPacket('unixgram', `${dir}/a.sock`));
  out['path too long'] = await text(listenPacket('unixgram', `/tmp/${'x'.repeat(200)}`));
  a.setReadDeadline(past());
  out['read deadline'] = await text(a.readFrom(Buffer.alloc(8)));
  const c = await dialUnix('unixgram', `${dir}/a.sock`);
  out['dialed local'] = String(c.localAddr());
  out['writeTo connected'] = await text(c.writeTo(Buffer.from('x'), `${dir}/a.sock`));
  c.setWriteDeadline(past());
  out['write deadline connected'] = await text(c.write(Buffer.from('x')));
  await c.close();
  await a.close();
  out['close twice'] = await text(a.close());
  out['read closed'] = await text(a.readFrom(Buffer.alloc(8)));
  out['set closed'] = await text(Promise.resolve().then(() => a.setDeadline(new Date())));
  out['dial none'] = await text(dialUnix('unixgram', `${dir}/none.sock`));

  const ln = await listen('unixpacket', `${dir}/p.sock`);
  const pc = await dialUnix('unixpacket', `${dir}/p.sock`);
  const sc = await ln.accept();
  out['accepted local'] = String(sc.localAddr());
  out['accepted remote'] = String(sc.remoteAddr());
  await pc.write(Buffer.from('0123456789'));
  const buf = Buffer.alloc(4);
  const r = await sc.readMsgUnix(buf);
  out.truncated = `${r.n} ${buf.subarray(0, r.n)} ${(r.flags & constants.MSG_TRUNC) !== 0} <nil>`;
  sc.setReadDeadline(past());
  out['accepted read deadline'] = await text(sc.read(buf));
  ln.setDeadline(past());
  out['accept deadline'] = await text(ln.accept());
  await pc.close();
  await sc.close();
  await ln.close();
  out['listener set closed'] = await text(Promise.resolve().then(() => ln.setDeadline(new Date())));
  out['accept closed'] = await text(ln.accept());

  for (const nw of ['ip4', 'ip4:nosuchproto']) out[`listen ${nw}`] = await text(listenPacket(nw, '127.0.0.1'));
  out['listen ip4:icmp ::1'] = await text(listenPacket('ip4:icmp', '::1'));

  const ctl = [];
  const lc = new ListenConfig({ control: (network, address) => void ctl.push(`${network} ${address}`) });
  await (await lc.listenPacket('unixgram', '')).close();
  if (process.getuid() === 0) {
    const raw = await lc.listenPacket('ip4:icmp', '127.0.0.1').catch(() => undefined);
    if (raw !== undefined) {
      raw.setReadDeadline(past());
      out['raw read deadline'] = await text(raw.readFrom(buf));
      await raw.close();
      out['raw close twice'] = await text(raw.close());
    }
  }
  out.control = ctl.join(', ');
  return out;
}

describe('message sockets against Go (spec/go/messages, Go 1.27)', function () {
  this.timeout(120_000);
  let dir;
  let bin;
  before(function () {
    if (process.platform !== 'linux') {
      console.log("    skipped: the compared names include Linux's '@' for an unnamed socket");
      this.skip();
    }
    const go = goOrSkip(this);
    dir = mkdtempSync(join(tmpdir(), 'lc-msg-go-'));
    bin = join(dir, 'go-messages');
    const built = spawnSync(go, ['build', '-o', bin, './messages'], {
      env: goEnv,
      encoding: 'utf8',
      cwd: goModule,
    });
    if (built.status !== 0) throw new Error(`go build failed: ${built.stderr}`);
  });
  after(() => dir && rmSync(dir, { recursive: true, force: true }));

  it('every text and name agrees: errors, deadlines, closed sockets, truncation, Control, unnamed peers', async function () {
    const goDir = mkdtempSync(join(dir, 'go-'));
    const go = spawnSync(bin, ['texts', goDir], { encoding: 'utf8' });
    expect(go.status, go.stderr).to.equal(0);
    const want = JSON.parse(go.stdout.replaceAll(goDir, '$DIR'));
    const ourDir = mkdtempSync(join(dir, 'node-'));
    const got = JSON.parse(JSON.stringify(await ours(ourDir)).replaceAll(ourDir, '$DIR'));
    expect(Object.keys(got).sort()).to.deep.equal(Object.keys(want).sort());
    for (const k of Object.keys(want)) expect(got[k], k).to.equal(want[k]);
  });

  it('a Go unixgram peer: a datagram and a pipe from Go, a reply and a file from the package', async function () {
    const node = await listenPacket('unixgram', join(dir, 'node.sock'));
    const go = spawn(bin, ['gram', dir, join(dir, 'node.sock')]);
    let out = '';
    go.stdout.on('data', (d) => (out += d));
    const exited = new Promise((r) => go.once('exit', r));
    try {
      const buf = Buffer.alloc(64);
      const oob = Buffer.alloc(64);
      const r = await within(node.readMsgUnix(buf, oob), 5000, 'the Go datagram');
      expect(buf.subarray(0, r.n).toString()).to.equal('hello from go');
      expect(String(r.addr)).to.equal(join(dir, 'go.sock'));
      const [pipe] = parseUnixRights(oob, r.oobn);
      expect(readFileSync(pipe, 'utf8')).to.equal('pipe from go');
      closeSync(pipe);
      writeFileSync(join(dir, 'for-go.txt'), 'file from node');
      const fd = openSync(join(dir, 'for-go.txt'), 'r');
      await node.writeMsgUnix(Buffer.from('hello from node'), unixRights(fd), r.addr);
      closeSync(fd);
      expect(await within(exited, 5000, 'Go exiting')).to.equal(0);
      expect(JSON.parse(out)).to.deep.equal({
        reply: 'hello from node',
        from: join(dir, 'node.sock'),
        content: 'file from node',
      });
    } finally {
      go.kill();
      await node.close();
    }
  });

  it('a Go unixpacket client: two messages kept apart, one reply', async function () {
    const path = join(dir, 'node-p.sock');
    const ln = await listen('unixpacket', path);
    const go = spawn(bin, ['packet', path]);
    let out = '';
    go.stdout.on('data', (d) => (out += d));
    const exited = new Promise((r) => go.once('exit', r));
    try {
      const c = await within(ln.accept(), 5000, 'the Go client');
      const buf = Buffer.alloc(64);
      expect(buf.subarray(0, await c.read(buf)).toString()).to.equal('one');
      expect(buf.subarray(0, await c.read(buf)).toString()).to.equal('two');
      await c.write(Buffer.from('reply from node'));
      expect(await within(exited, 5000, 'Go exiting')).to.equal(0);
      expect(JSON.parse(out)).to.deep.equal({ reply: 'reply from node', err: '<nil>' });
      await c.close();
    } finally {
      go.kill();
      await ln.close();
    }
  });
});
