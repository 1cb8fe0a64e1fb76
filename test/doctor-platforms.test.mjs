// listenconfig doctor's facts for the OSes this machine is not: the BSD
// sysctl stubbed with sinon (as test/backlog.test.mjs does), the Windows
// mapping computed. The Linux side runs for real in test/cli-doctor.test.mjs.
import { expect } from 'chai';
import sinon from 'sinon';
import { Writable } from 'node:stream';
import { doctor } from '../dist/cli/doctor/index.js';
import { sysctlProbe } from '../dist/backlog/bsd.js';

async function report(args, platform) {
  let out = '';
  const stdout = new Writable({
    write(chunk, _e, cb) {
      out += chunk;
      cb();
    },
  });
  const stderr = new Writable({
    write(_c, _e, cb) {
      cb();
    },
  });
  const code = await doctor([...args, '--json'], { stdout, stderr }, platform);
  return { code, r: JSON.parse(out) };
}

describe('listenconfig doctor on other OSes', function () {
  afterEach(() => sinon.restore());

  for (const [platform, name] of [
    ['darwin', 'kern.ipc.somaxconn'],
    ['freebsd', 'kern.ipc.soacceptqueue'],
    ['openbsd', 'kern.somaxconn'],
  ]) {
    it(`${platform}: maxListenerBacklog() from ${name}, and the sysctl command for a burst above it`, async function () {
      const stub = sinon.stub(sysctlProbe, 'sysctlUint32').callsFake((n) => (n === name ? 1024 : undefined));
      // --backlog 1000: this machine's real listener stays below the need.
      const { r } = await report(
        ['--backlog', '1000', '--burst-rate', '20000', '--accept-interval', '100ms'],
        platform,
      );
      expect(stub.calledWith(name)).to.equal(true);
      expect(r.maxListenerBacklog).to.deep.equal({ value: 1024, source: `${name} (1024)` });
      expect(r.sysctls).to.deep.equal({ [name]: 1024 });
      expect(r.burst.needed).to.equal(2000);
      expect(r.advice[0].command).to.equal(`sysctl -w ${name}=2048`);
    });
  }

  it('darwin: an unreadable sysctl is SOMAXCONN (128), and says so', async function () {
    sinon.stub(sysctlProbe, 'sysctlUint32').returns(undefined);
    const { r } = await report([], 'darwin');
    expect(r.maxListenerBacklog).to.deep.equal({
      value: 128,
      source: 'kern.ipc.somaxconn is unreadable: Go falls back to SOMAXCONN (128)',
    });
  });

  it('win32: 65535 through SOMAXCONN_HINT, and the mapping table with the backlog asked for', async function () {
    const { r } = await report(['--backlog', '300'], 'win32');
    expect(r.maxListenerBacklog.value).to.equal(65535);
    const row = (b) => r.windowsHint.find((h) => h.backlog === b);
    expect(row(199)).to.deep.equal({ backlog: 199, arg: 199, queue: 199 });
    expect(row(200)).to.deep.equal({ backlog: 200, arg: -200, queue: 200 });
    expect(row(300)).to.deep.equal({ backlog: 300, arg: -300, queue: 300 });
    expect(row(100000)).to.deep.equal({ backlog: 100000, arg: -65535, queue: 65535 });
    expect(r.advice.map((a) => a.text).join('\n')).to.include('SOMAXCONN_HINT');
  });
});
