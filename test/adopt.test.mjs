// lib/adopt.ts: accepted sockets become net.Sockets through a TCP handle, as
// net.Server makes them, and through the public `{ fd }` where that would
// print a deprecation warning.
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { closeSync, fstatSync, openSync } from 'node:fs';
import { adoptPath, adoptUnix } from '../dist/adopt.js';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

// A child that accepts one connection, echoes a line and reports the path.
const child = `
  const net = require('node:net');
  const { listen } = require(${JSON.stringify(repo)});
  const { adoptPath } = require(${JSON.stringify(path.join(repo, 'dist', 'adopt.js'))});
  listen('tcp', '127.0.0.1:0').then(async (ln) => {
    const c = net.connect(ln.addr().port, '127.0.0.1');
    const conn = await ln.accept();
    const tcp = conn._handle.constructor.name;
    conn.pipe(conn);
    c.end('ping');
    let got = '';
    for await (const d of c) got += d;
    await ln.close();
    console.log(JSON.stringify({ path: adoptPath(), got, tcp }));
  });`;

function run(args, env = {}) {
  const r = spawnSync(process.execPath, [...args, '-e', child], {
    encoding: 'utf8',
    timeout: 15000,
    env: { ...process.env, NODE_OPTIONS: '', NODE_PENDING_DEPRECATION: '', ...env },
  });
  expect(r.status, r.stderr).to.equal(0);
  return { ...JSON.parse(r.stdout.trim()), stderr: r.stderr };
}

describe('adopting accepted sockets', function () {
  this.timeout(20000);

  it(`takes net.Server's way (a TCP handle through tcp_wrap) on Node ${process.version}`, function () {
    expect(
      adoptPath(),
      `Node ${process.version} has no usable process.binding('tcp_wrap'): accepted sockets fall back to ` +
        'new net.Socket({ fd }), four system calls per connection more (lib/adopt.ts)',
    ).to.equal('tcp_wrap');
    const r = run([]);
    expect(r).to.include({ path: 'tcp_wrap', got: 'ping', tcp: 'TCP' });
    expect(r.stderr).to.equal('');
  });

  for (const [how, args, env] of [
    ['--pending-deprecation', ['--pending-deprecation'], {}],
    ['NODE_OPTIONS=--pending-deprecation', [], { NODE_OPTIONS: '--pending-deprecation' }],
    ['NODE_PENDING_DEPRECATION=1', [], { NODE_PENDING_DEPRECATION: '1' }],
  ]) {
    it(`with ${how}: the public { fd } path, and no deprecation warning`, function () {
      if (process.platform === 'win32') {
        console.log('    skipped: Windows has no { fd } path for a SOCKET');
        this.skip();
      }
      const r = run(args, env);
      expect(r).to.include({ path: 'fd', got: 'ping', tcp: 'TCP' });
      expect(r.stderr).to.not.match(/DEP0111|DeprecationWarning/);
    });
  }

  it("a descriptor Node refuses goes back to the caller's slot, to be closed, not leaked", function () {
    // A regular file is no socket to libuv: net.Socket({ fd }) throws.
    const fd = openSync(fileURLToPath(import.meta.url), 'r');
    const slots = new Int32Array([fd]);
    try {
      expect(() => adoptUnix(fd, slots, 0))
        .to.throw()
        .with.property('code', 'ERR_INVALID_FD_TYPE');
      expect(slots[0]).to.equal(fd);
      expect(fstatSync(fd).isFile()).to.equal(true);
    } finally {
      closeSync(fd);
    }
  });
});
