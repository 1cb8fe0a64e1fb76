// lib/sock.ts: Go's one socket() path, in its two variants: socket() (with
// Control, awaited) and socketSync() (the register hook's, no Control). Both
// end in the same bind/connect/listen step, so a dial without a local
// address (bind absent) and its 'dial' errors read the same either way.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { expect } from 'chai';
import { constants } from '../dist/index.js';
import { binding } from '../dist/native.js';
import { socket, socketSync } from '../dist/sock.js';

const posix = process.platform !== 'win32';

describe('sock.ts: socket() and socketSync() are one path', function () {
  let dir;
  before(function () {
    if (!posix) this.skip();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lc-sock-'));
  });
  after(() => dir && fs.rmSync(dir, { recursive: true, force: true }));

  const request = (raddr, extra = {}) => ({
    op: 'dial',
    network: 'unixgram',
    laddr: { network: () => 'unixgram', toString: () => raddr },
    domain: constants.AF_UNIX,
    type: constants.SOCK_DGRAM,
    protocol: 0,
    v6only: false,
    ctrlNetwork: 'unixgram',
    ctrlAddress: raddr,
    control: undefined,
    signal: undefined,
    bind: undefined,
    connect: { host: raddr, zone: '', port: 0 },
    ...extra,
  });

  for (const [name, make] of [
    ['socket()', (req) => socket(req)],
    ['socketSync()', (req) => socketSync(req)],
  ]) {
    it(`${name}: connects without a bind when bind is absent`, async function () {
      const server = path.join(dir, `${name}.sock`);
      const bound = socketSync({
        ...request(server),
        op: undefined,
        connect: undefined,
        bind: { host: server, zone: '', port: 0 },
      });
      try {
        const { sock } = await make(request(server));
        try {
          const peer = binding.getpeername(sock);
          expect(peer).to.include({ host: server });
        } finally {
          binding.close(sock);
        }
      } finally {
        binding.close(bound.sock);
      }
    });

    it(`${name}: a failed connect is an OpError with op 'dial'`, async function () {
      const missing = path.join(dir, 'missing.sock');
      let err;
      try {
        await make(request(missing));
      } catch (e) {
        err = e;
      }
      expect(err?.op).to.equal('dial');
      expect(err?.message).to.match(/^dial unixgram .*missing\.sock: connect: /);
    });
  }

  it('socketSync() refuses a request with Control', function () {
    expect(() => socketSync(request('x', { control: () => {} }))).to.throw(/must use socket\(\)/);
  });
});
