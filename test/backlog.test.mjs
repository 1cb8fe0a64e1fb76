// maxListenerBacklog: Go's per-OS rules (sock_linux.go, sock_bsd.go,
// sock_windows.go, sock_stub.go), each probe replaced by a stub.
import * as fs from 'node:fs';
import childProcess from 'node:child_process';
import { expect } from 'chai';
import sinon from 'sinon';
import {
  maxListenerBacklog,
  computeMaxListenerBacklog,
  resetMaxListenerBacklogCacheForTests,
  linuxProbe,
  sysctlProbe,
} from '../dist/backlog/index.js';
import { linuxMaxListenerBacklog, kernelVersion, maxAckBacklog } from '../dist/backlog/linux.js';
import { bsdMaxListenerBacklog } from '../dist/backlog/bsd.js';
import { windowsMaxListenerBacklog } from '../dist/backlog/windows.js';
import { binding } from '../dist/native.js';
import { fallbackMaxListenerBacklog } from '../dist/backlog/fallback.js';

function fakeLinux(somaxconn, release = '6.18.44-fc-v595') {
  return {
    readSomaxconn: sinon.stub().returns(somaxconn),
    kernelRelease: sinon.stub().returns(release),
  };
}

describe('maxListenerBacklog', function () {
  afterEach(function () {
    sinon.restore();
    resetMaxListenerBacklogCacheForTests();
  });

  describe('Linux (sock_linux.go)', function () {
    it('returns the value of /proc/sys/net/core/somaxconn', function () {
      const probe = fakeLinux('4096\n');
      expect(linuxMaxListenerBacklog(probe)).to.equal(4096);
      expect(probe.readSomaxconn.calledOnce).to.equal(true);
      // At or below 65535 the kernel version is not consulted.
      expect(probe.kernelRelease.called).to.equal(false);
    });

    it('uses the stubbed default probe', function () {
      sinon.stub(linuxProbe, 'readSomaxconn').returns('4096\n');
      const release = sinon.stub(linuxProbe, 'kernelRelease').returns('6.18.44-fc-v595');
      expect(linuxMaxListenerBacklog()).to.equal(4096);
      expect(computeMaxListenerBacklog('linux')).to.equal(4096);
      expect(computeMaxListenerBacklog('android')).to.equal(4096);
      expect(release.called).to.equal(false);
    });

    it('returns SOMAXCONN (128) when the file cannot be read', function () {
      expect(linuxMaxListenerBacklog(fakeLinux(undefined))).to.equal(128);
    });

    it('returns SOMAXCONN (128) when the file is empty or its first line blank', function () {
      expect(linuxMaxListenerBacklog(fakeLinux(''))).to.equal(128);
      expect(linuxMaxListenerBacklog(fakeLinux('\n'))).to.equal(128);
      expect(linuxMaxListenerBacklog(fakeLinux('   \t\n4096\n'))).to.equal(128);
    });

    it('returns SOMAXCONN (128) for 0', function () {
      expect(linuxMaxListenerBacklog(fakeLinux('0\n'))).to.equal(128);
    });

    it('returns SOMAXCONN (128) when the first field has no leading digits', function () {
      expect(linuxMaxListenerBacklog(fakeLinux('abc\n'))).to.equal(128);
      expect(linuxMaxListenerBacklog(fakeLinux('-5\n'))).to.equal(128);
      expect(linuxMaxListenerBacklog(fakeLinux('+5\n'))).to.equal(128);
    });

    it('returns SOMAXCONN (128) when dtoi overflows at 0xFFFFFF', function () {
      expect(linuxMaxListenerBacklog(fakeLinux('16777215\n'))).to.equal(128);
      expect(linuxMaxListenerBacklog(fakeLinux('99999999999\n'))).to.equal(128);
      // One below Go's big still parses (and, on 6.18, is not clamped).
      expect(linuxMaxListenerBacklog(fakeLinux('16777214\n'))).to.equal(16777214);
    });

    it('parses like dtoi and getFields: leading digits of the first field of the first line', function () {
      expect(linuxMaxListenerBacklog(fakeLinux('4096abc\n'))).to.equal(4096);
      expect(linuxMaxListenerBacklog(fakeLinux('  \t512 1024\n'))).to.equal(512);
      expect(linuxMaxListenerBacklog(fakeLinux('300\r\n'))).to.equal(300);
      expect(linuxMaxListenerBacklog(fakeLinux('1000'))).to.equal(1000);
      expect(linuxMaxListenerBacklog(fakeLinux('200\n999\n'))).to.equal(200);
      expect(linuxMaxListenerBacklog(fakeLinux('00042\n'))).to.equal(42);
    });

    it('leaves 65535 alone on any kernel', function () {
      const probe = fakeLinux('65535\n', '3.10.0-1160.el7.x86_64');
      expect(linuxMaxListenerBacklog(probe)).to.equal(65535);
      expect(probe.kernelRelease.called).to.equal(false);
    });

    it('clamps n > 65535 to 65535 before kernel 4.1 (uint16 backlog, Go issue 5030)', function () {
      for (const release of ['3.10.0-1160.el7.x86_64', '4.0.9', '2.6.32-754.el6.x86_64']) {
        const probe = fakeLinux('100000\n', release);
        expect(linuxMaxListenerBacklog(probe), release).to.equal(65535);
        expect(probe.kernelRelease.calledOnce).to.equal(true);
      }
      expect(linuxMaxListenerBacklog(fakeLinux('65536\n', '3.10.0'))).to.equal(65535);
    });

    it('keeps n > 65535 from kernel 4.1 (uint32 backlog)', function () {
      for (const release of ['4.1', '4.1.0', '4.19.0-25-amd64', '5.4.0', '6.18.44-fc-v595']) {
        expect(linuxMaxListenerBacklog(fakeLinux('100000\n', release)), release).to.equal(100000);
      }
    });

    it('treats an unparsable release as 0.0, so clamps to 16 bits', function () {
      expect(linuxMaxListenerBacklog(fakeLinux('100000\n', ''))).to.equal(65535);
      expect(linuxMaxListenerBacklog(fakeLinux('100000\n', 'unknown'))).to.equal(65535);
    });

    it('reads major.minor from the release as Go does', function () {
      expect(kernelVersion('6.18.44-fc-v595')).to.deep.equal([6, 18]);
      expect(kernelVersion('3.10.0-1160.el7.x86_64')).to.deep.equal([3, 10]);
      expect(kernelVersion('4.1')).to.deep.equal([4, 1]);
      expect(kernelVersion('5')).to.deep.equal([5, 0]);
      expect(kernelVersion('')).to.deep.equal([0, 0]);
      expect(kernelVersion('x')).to.deep.equal([0, 0]);
    });

    it('maxAckBacklog clamps to 2^16-1 or 2^32-1 by kernel version', function () {
      expect(maxAckBacklog(100000, '4.0.0')).to.equal(65535);
      expect(maxAckBacklog(100000, '4.1.0')).to.equal(100000);
      expect(maxAckBacklog(2 ** 33, '6.18.44')).to.equal(2 ** 32 - 1);
      expect(maxAckBacklog(1000, '3.10.0')).to.equal(1000);
    });
  });

  describe('BSD (sock_bsd.go)', function () {
    const cases = [
      ['darwin', 'kern.ipc.somaxconn'],
      ['ios', 'kern.ipc.somaxconn'],
      ['freebsd', 'kern.ipc.soacceptqueue'],
      ['openbsd', 'kern.somaxconn'],
    ];

    for (const [platform, name] of cases) {
      it(`reads ${name} on ${platform}`, function () {
        const probe = { sysctlUint32: sinon.stub().returns(1024) };
        expect(bsdMaxListenerBacklog(platform, probe)).to.equal(1024);
        expect(probe.sysctlUint32.calledOnceWithExactly(name)).to.equal(true);
      });
    }

    it('reads the sysctl through the stubbed default probe', function () {
      const stub = sinon.stub(sysctlProbe, 'sysctlUint32').returns(4096);
      expect(computeMaxListenerBacklog('darwin')).to.equal(4096);
      expect(computeMaxListenerBacklog('freebsd')).to.equal(4096);
      expect(computeMaxListenerBacklog('openbsd')).to.equal(4096);
      expect(stub.args.map((a) => a[0])).to.deep.equal([
        'kern.ipc.somaxconn',
        'kern.ipc.soacceptqueue',
        'kern.somaxconn',
      ]);
    });

    it('returns SOMAXCONN (128) on netbsd and dragonfly without asking', function () {
      const probe = { sysctlUint32: sinon.stub().returns(4096) };
      expect(bsdMaxListenerBacklog('netbsd', probe)).to.equal(128);
      expect(bsdMaxListenerBacklog('dragonfly', probe)).to.equal(128);
      expect(computeMaxListenerBacklog('netbsd', { sysctl: probe })).to.equal(128);
      expect(computeMaxListenerBacklog('dragonfly', { sysctl: probe })).to.equal(128);
      expect(probe.sysctlUint32.called).to.equal(false);
    });

    it('returns SOMAXCONN (128) when the sysctl fails', function () {
      const probe = { sysctlUint32: sinon.stub().returns(undefined) };
      expect(bsdMaxListenerBacklog('freebsd', probe)).to.equal(128);
      expect(probe.sysctlUint32.calledOnce).to.equal(true);
    });

    it('returns SOMAXCONN (128) when the sysctl is 0', function () {
      const probe = { sysctlUint32: sinon.stub().returns(0) };
      expect(bsdMaxListenerBacklog('openbsd', probe)).to.equal(128);
    });

    it('clamps n > 65535 to 65535 (uint16 backlog, Go issue 5030)', function () {
      const probe = { sysctlUint32: sinon.stub() };
      probe.sysctlUint32.returns(100000);
      expect(bsdMaxListenerBacklog('freebsd', probe)).to.equal(65535);
      probe.sysctlUint32.returns(0xffffffff);
      expect(bsdMaxListenerBacklog('darwin', probe)).to.equal(65535);
      probe.sysctlUint32.returns(65535);
      expect(bsdMaxListenerBacklog('darwin', probe)).to.equal(65535);
      probe.sysctlUint32.returns(65534);
      expect(bsdMaxListenerBacklog('darwin', probe)).to.equal(65534);
    });

    it('the default probe is sysctlbyname(3) in the addon: its value as is, a failure as undefined, no process spawned', function () {
      const native = sinon.stub(binding, 'sysctlUint32');
      const exec = sinon.stub(childProcess, 'execFileSync').throws(new Error('no process may be spawned'));
      const spawn = sinon.stub(childProcess, 'spawnSync').throws(new Error('no process may be spawned'));
      native.returns(1024);
      expect(sysctlProbe.sysctlUint32('kern.ipc.somaxconn')).to.equal(1024);
      expect(native.calledOnceWithExactly('kern.ipc.somaxconn')).to.equal(true);
      native.returns(0xffffffff);
      expect(sysctlProbe.sysctlUint32('kern.somaxconn')).to.equal(0xffffffff);
      native.returns(0);
      expect(sysctlProbe.sysctlUint32('kern.somaxconn')).to.equal(0);
      // -ENOENT (no such name), -EINVAL (not 32 bits), -ENOSYS (no sysctlbyname).
      for (const err of [-2, -22, -38]) {
        native.returns(err);
        expect(sysctlProbe.sysctlUint32('kern.somaxconn'), String(err)).to.equal(undefined);
      }
      expect(exec.called || spawn.called).to.equal(false);
      native.returns(4096);
      expect(computeMaxListenerBacklog('darwin')).to.equal(4096);
      expect(native.lastCall.args).to.deep.equal(['kern.ipc.somaxconn']);
    });

    it("the addon's sysctlUint32 answers this machine: a number on macOS and the BSDs, a negative error elsewhere", function () {
      const r = binding.sysctlUint32(
        process.platform === 'freebsd'
          ? 'kern.ipc.soacceptqueue'
          : process.platform === 'openbsd'
            ? 'kern.somaxconn'
            : 'kern.ipc.somaxconn',
      );
      if (['darwin', 'freebsd', 'openbsd'].includes(process.platform)) expect(r).to.be.above(0);
      else expect(r).to.be.below(0);
      expect(binding.sysctlUint32('kern.listenconfig.no.such.name')).to.be.below(0);
      expect(sysctlProbe.sysctlUint32('kern.listenconfig.no.such.name')).to.equal(undefined);
    });
  });

  describe('Windows (sock_windows.go, mapped to SOMAXCONN_HINT)', function () {
    it('returns 65535', function () {
      expect(windowsMaxListenerBacklog()).to.equal(65535);
      expect(computeMaxListenerBacklog('win32')).to.equal(65535);
    });
  });

  describe('other OSes (sock_stub.go)', function () {
    for (const [platform, somaxconn] of [
      ['aix', 1024],
      ['sunos', 128],
      ['solaris', 128],
      ['illumos', 128],
      ['haiku', 128],
      ['cygwin', 128],
    ]) {
      it(`returns SOMAXCONN (${somaxconn}) on ${platform}`, function () {
        const linux = fakeLinux('4096\n');
        const sysctl = { sysctlUint32: sinon.stub().returns(4096) };
        expect(computeMaxListenerBacklog(platform, { linux, sysctl })).to.equal(somaxconn);
        expect(linux.readSomaxconn.called).to.equal(false);
        expect(sysctl.sysctlUint32.called).to.equal(false);
      });
    }
    it('fallbackMaxListenerBacklog returns 128, 1024 for aix', function () {
      expect(fallbackMaxListenerBacklog()).to.equal(128);
      expect(fallbackMaxListenerBacklog('aix')).to.equal(1024);
    });
  });

  describe('caching', function () {
    it('reads the machine once across calls, and again after a reset', function () {
      const read = sinon.stub(linuxProbe, 'readSomaxconn').returns('4242\n');
      const sysctl = sinon.stub(sysctlProbe, 'sysctlUint32').returns(4242);
      const reads = () => read.callCount + sysctl.callCount;
      resetMaxListenerBacklogCacheForTests();

      const first = maxListenerBacklog();
      const afterFirst = reads();
      expect(maxListenerBacklog()).to.equal(first);
      expect(reads()).to.equal(afterFirst);

      if (process.platform === 'linux' || process.platform === 'android') {
        expect(first).to.equal(4242);
        expect(read.callCount).to.equal(1);
        read.returns('2121\n');
        expect(maxListenerBacklog()).to.equal(4242);
        resetMaxListenerBacklogCacheForTests();
        expect(maxListenerBacklog()).to.equal(2121);
        expect(read.callCount).to.equal(2);
      }
    });

    it('computeMaxListenerBacklog is not cached', function () {
      const probe = fakeLinux('4096\n');
      computeMaxListenerBacklog('linux', { linux: probe });
      computeMaxListenerBacklog('linux', { linux: probe });
      expect(probe.readSomaxconn.callCount).to.equal(2);
    });
  });

  describe('on this machine', function () {
    it('equals the integer in /proc/sys/net/core/somaxconn on Linux', function () {
      if (process.platform !== 'linux') {
        console.log(`      skipped: platform is ${process.platform}, not linux`);
        this.skip();
      }
      const text = fs.readFileSync('/proc/sys/net/core/somaxconn', 'utf8');
      const expected = Number.parseInt(text.trim(), 10);
      expect(Number.isInteger(expected)).to.equal(true);
      resetMaxListenerBacklogCacheForTests();
      expect(maxListenerBacklog()).to.equal(expected);
    });
  });
});
