// Go as the reference: the same Listen calls through Go's net.ListenConfig
// (spec/go/reference.go) and through this package, compared field by field:
// Control's arguments, the bound address, IPV6_V6ONLY and every error text.
import { expect } from './expect.mjs';
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ListenConfig, listen, constants, getsockopt, setsockopt } from 'listenconfig';

const here = (p) => fileURLToPath(new URL(p, import.meta.url));
const cases = JSON.parse(readFileSync(here('./go/cases.json'), 'utf8'));

function goAvailable() {
  try {
    execFileSync('go', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

// Go names the DNS server it asked ("lookup x on 10.0.0.53:53: no such
// host"); Node's resolver does not say which server answered.
const withoutServer = (s) => (s === null ? s : s.replace(/ on [^ ]+:\d+:/, ':'));

// Masks a kernel-chosen port as "PORT", as reference.go does.
function masker(requested, actual) {
  return (s) => (s === null || requested !== 0 ? s : s.split(`:${actual}`).join(':PORT'));
}

function requestedPort(address) {
  const i = address.lastIndexOf(':');
  const p = i < 0 ? '' : address.slice(i + 1);
  return p === '' || /^\+?0+$/.test(p) ? 0 : -1;
}

async function ours(c) {
  const r = { control: [], addr: null, family: null, v6only: null, error: null, acceptClosedError: null, closeTwiceError: null };
  let holder;
  let address = c.address;
  let mask = (s) => s;
  if (c.inUse) {
    holder = await listen(c.network, c.address);
    address = String(holder.addr()); // as reference.go: ln.Addr().String()
    const port = holder.addr().port;
    mask = (s) => (s === null ? s : s.split(`:${port}`).join(':PORT'));
  }
  const lc = new ListenConfig({
    control(network, addr, rawConn) {
      r.control.push({ network, address: mask(addr) });
      if (c.freebind) {
        const [level, opt] = network === 'tcp6' ? [constants.IPPROTO_IPV6, constants.IPV6_FREEBIND] : [constants.IPPROTO_IP, constants.IP_FREEBIND];
        rawConn.control((fd) => setsockopt(fd, level, opt, 1));
      }
      if (c.controlError) throw new Error(c.controlError);
    },
  });
  try {
    const ln = await lc.listen(c.network, address);
    const m = masker(requestedPort(c.address), ln.addr().port);
    r.addr = m(String(ln.addr()));
    r.family = ln.addr().ip.includes(':') ? '6' : '4';
    if (r.family === '6') {
      r.v6only = ln.syscallConn().control((fd) => getsockopt(fd, constants.IPPROTO_IPV6, constants.IPV6_V6ONLY, 'bool'));
    }
    await ln.close();
    r.acceptClosedError = m(await ln.accept().then(() => null, (e) => e.message));
    r.closeTwiceError = m(await ln.close().then(() => null, (e) => e.message));
  } catch (e) {
    r.error = mask(e.message);
  } finally {
    await holder?.close();
  }
  return r;
}

describe('Go reference: net.ListenConfig.Listen, case by case', function () {
  let reference;

  before(function () {
    this.timeout(180000);
    if (!goAvailable()) {
      console.log('    skipped: no `go` on PATH (Debian: apt-get install golang-go); .ci/run installs it');
      this.skip();
    }
    const out = spawnSync('go', ['run', here('./go/reference.go')], {
      input: JSON.stringify(cases),
      encoding: 'utf8',
      timeout: 170000,
      env: { ...process.env, GO111MODULE: 'off' },
    });
    if (out.status !== 0) throw new Error(`go run failed: ${out.stderr}`);
    reference = JSON.parse(out.stdout);
  });

  cases.forEach((c, i) => {
    const flags = c.controlError ? ' (Control fails)' : c.inUse ? ' (address in use)' : c.freebind ? ' (freebind)' : '';
    it(`${c.network} "${c.address}"${flags}`, async function () {
      // IP_FREEBIND and IPV6_FREEBIND are Linux's.
      if (c.freebind && process.platform !== 'linux') this.skip();
      const go = reference[i];
      const got = await ours(c);
      const want = {
        control: go.control,
        addr: go.addr,
        family: go.family,
        v6only: go.v6only,
        error: withoutServer(go.error),
        acceptClosedError: go.acceptClosedError,
        closeTwiceError: go.closeTwiceError,
      };
      expect(got).to.deep.equal(want);
    });
  });
});
