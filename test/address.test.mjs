import { expect } from 'chai';
import {
  splitHostPort,
  joinHostPort,
  parsePort,
  lookupPort,
  parseServices,
  favoriteAddrFamily,
  sockaddrIP,
  formatTCPAddr,
  resolveListenAddr,
} from '../dist/address.js';

function thrownBy(f) {
  try {
    f();
  } catch (e) {
    return e;
  }
  throw new Error('did not throw');
}

describe('address: SplitHostPort (Go rules)', function () {
  const ok = [
    ['localhost:80', 'localhost', '80'],
    [':0', '', '0'],
    ['127.0.0.1:http', '127.0.0.1', 'http'],
    ['[::1]:80', '::1', '80'],
    ['[fe80::1%lo0]:80', 'fe80::1%lo0', '80'],
    ['[localhost]:80', 'localhost', '80'],
    ['127.0.0.1:', '127.0.0.1', ''],
    ['[::1]:', '::1', ''],
    [':', '', ''],
  ];
  for (const [in_, host, port] of ok) {
    it(`"${in_}" -> "${host}", "${port}"`, function () {
      expect(splitHostPort(in_)).to.deep.equal([host, port]);
    });
  }
  const bad = [
    ['127.0.0.1', 'address 127.0.0.1: missing port in address'],
    ['[::1]', 'address [::1]: missing port in address'],
    ['::1:80', 'address ::1:80: too many colons in address'],
    ['[::1]:80:90', 'address [::1]:80:90: too many colons in address'],
    ['[::1]x:80', 'address [::1]x:80: missing port in address'],
    ['[::1:80', "address [::1:80: missing ']' in address"],
    ['a[b]:80', "address a[b]:80: unexpected '[' in address"],
    ['a]:80', "address a]:80: unexpected ']' in address"],
    ['', 'address : missing port in address'.replace('address : ', '')],
  ];
  for (const [in_, msg] of bad) {
    it(`"${in_}" fails: ${msg}`, function () {
      expect(() => splitHostPort(in_)).to.throw(msg);
    });
  }
  it('joinHostPort brackets IPv6 hosts only', function () {
    expect(joinHostPort('::1', 80)).to.equal('[::1]:80');
    expect(joinHostPort('127.0.0.1', '80')).to.equal('127.0.0.1:80');
    expect(joinHostPort('', 0)).to.equal(':0');
  });
});

describe('address: ports (Go parsePort and LookupPort)', function () {
  it('parses signed decimals and saturates', function () {
    expect(parsePort('')).to.deep.equal({ port: 0, needsLookup: false });
    expect(parsePort('80')).to.deep.equal({ port: 80, needsLookup: false });
    expect(parsePort('+5')).to.deep.equal({ port: 5, needsLookup: false });
    expect(parsePort('-1')).to.deep.equal({ port: -1, needsLookup: false });
    expect(parsePort('99999999999999999999').port).to.equal(2 ** 30 - 1);
    expect(parsePort('-99999999999999999999').port).to.equal(-(2 ** 30));
    expect(parsePort('0x10').needsLookup).to.equal(true);
    expect(parsePort(' 5').needsLookup).to.equal(true);
  });
  it('looks up service names case-insensitively and rejects out-of-range ports', function () {
    expect(lookupPort('tcp', 'http')).to.equal(80);
    expect(lookupPort('tcp', 'HTTPS')).to.equal(443);
    expect(lookupPort('tcp', '65535')).to.equal(65535);
    expect(() => lookupPort('tcp', '65536')).to.throw('address 65536: invalid port');
    expect(() => lookupPort('tcp', '-1')).to.throw('address -1: invalid port');
    // Go 1.22+ (getaddrinfo's service lookup) names the network: tcp4/.
    expect(() => lookupPort('tcp4', 'nosuch')).to.throw('lookup tcp4/nosuch: unknown port');
  });
  it("takes getaddrinfo's numbers after white space, as Go 1.22+ on Linux", function () {
    expect(lookupPort('tcp', ' 5')).to.equal(5);
    expect(lookupPort('tcp', '\t+5')).to.equal(5);
    expect(lookupPort('tcp', ' 65541')).to.equal(5); // the low 16 bits
    expect(lookupPort('tcp', ' 4294967301')).to.equal(5);
    expect(lookupPort('tcp', ' -4294967291')).to.equal(5);
    expect(lookupPort('tcp', ' 2147483647')).to.equal(65535);
    expect(lookupPort('tcp', ' -0')).to.equal(0);
    for (const s of [
      ' -5',
      ' 2147483653',
      ' 4294967295',
      ' 99999999999999999999',
      '5 ',
      ' 0x10',
      ' ',
      '+ 5',
      '\u00a05',
    ])
      expect(() => lookupPort('tcp', s), JSON.stringify(s)).to.throw(`lookup tcp/${s}: unknown port`);
    const e = thrownBy(() => lookupPort('udp6', 'ssh\0'));
    expect([e.name, e.message, e.isNotFound]).to.deep.equal(['DNSError', 'lookup udp6/ssh\0: invalid argument', false]);
  });
  it('reads tcp entries and aliases of a services file, ignoring comments and other protocols', function () {
    const m = parseServices('# c\nwww\t8080/tcp\thttp-alt  # web\nfoo 9/udp\nbad x/tcp\n\nssh 22/tcp\n');
    expect([...m.entries()]).to.deep.equal([
      ['www', 8080],
      ['http-alt', 8080],
      ['ssh', 22],
    ]);
  });
});

describe('address: families (Go favoriteAddrFamily and ipToSockaddr)', function () {
  const a = (ip) => ({ ip, zone: '', port: 0 });
  it('tcp on a wildcard is dual-stack AF_INET6', function () {
    expect(favoriteAddrFamily('tcp', a(''))).to.deep.equal({ family: 6, v6only: false });
    expect(favoriteAddrFamily('tcp', a('0.0.0.0'))).to.deep.equal({ family: 6, v6only: false });
    expect(favoriteAddrFamily('tcp', a('::'))).to.deep.equal({ family: 6, v6only: false });
  });
  it('tcp without IPv4-mapping support falls back to the address family', function () {
    expect(favoriteAddrFamily('tcp', a(''), false)).to.deep.equal({ family: 4, v6only: false });
    expect(favoriteAddrFamily('tcp', a('::'), false)).to.deep.equal({ family: 6, v6only: false });
  });
  it('tcp on a specific address uses its family; IPv4-mapped counts as IPv4', function () {
    expect(favoriteAddrFamily('tcp', a('127.0.0.1')).family).to.equal(4);
    expect(favoriteAddrFamily('tcp', a('::ffff:127.0.0.1')).family).to.equal(4);
    expect(favoriteAddrFamily('tcp', a('::1')).family).to.equal(6);
  });
  it('tcp4 and tcp6 decide alone', function () {
    expect(favoriteAddrFamily('tcp4', a(''))).to.deep.equal({ family: 4, v6only: false });
    expect(favoriteAddrFamily('tcp6', a(''))).to.deep.equal({ family: 6, v6only: true });
  });
  it('maps addresses for the socket family', function () {
    expect(sockaddrIP(6, '')).to.equal('::');
    expect(sockaddrIP(6, '0.0.0.0')).to.equal('::');
    expect(sockaddrIP(6, '10.0.0.1')).to.equal('::ffff:10.0.0.1');
    expect(sockaddrIP(4, '')).to.equal('0.0.0.0');
    expect(sockaddrIP(4, '::ffff:127.0.0.1')).to.equal('127.0.0.1');
  });
  it('formats like TCPAddr.String()', function () {
    expect(formatTCPAddr({ ip: '', zone: '', port: 0 })).to.equal(':0');
    expect(formatTCPAddr({ ip: '::', zone: '', port: 80 })).to.equal('[::]:80');
    expect(formatTCPAddr({ ip: 'fe80::1', zone: 'eth0', port: 1 })).to.equal('[fe80::1%eth0]:1');
    expect(formatTCPAddr({ ip: '::ffff:1.2.3.4', zone: '', port: 2 })).to.equal('1.2.3.4:2');
  });
});

describe('address: resolution (Go internetAddrList for listen)', function () {
  const lookup = (table) => async (host) => {
    if (!(host in table)) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' });
    return table[host].map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
  };
  const hosts = lookup({ dual: ['::1', '127.0.0.1'], v6: ['::1'], v4: ['10.1.2.3'], any6: ['::'] });

  it('a name binds its first IPv4 address, else its first address', async function () {
    expect(await resolveListenAddr('tcp', 'dual:80', undefined, hosts)).to.deep.equal({
      ip: '127.0.0.1',
      zone: '',
      port: 80,
    });
    expect(await resolveListenAddr('tcp', 'v6:80', undefined, hosts)).to.deep.equal({ ip: '::1', zone: '', port: 80 });
    expect(await resolveListenAddr('tcp6', 'dual:80', undefined, hosts)).to.deep.equal({
      ip: '::1',
      zone: '',
      port: 80,
    });
  });
  it('a name resolving to :: alone also gets 0.0.0.0 (Go issue 18806)', async function () {
    expect((await resolveListenAddr('tcp', 'any6:0', undefined, hosts)).ip).to.equal('0.0.0.0');
    expect((await resolveListenAddr('tcp6', 'any6:0', undefined, hosts)).ip).to.equal('::');
  });
  it("an IPv6 literal with an empty zone is getaddrinfo's: EAI_ADDRFAMILY under tcp4 and udp4, no such host otherwise (Go 1.22+)", async function () {
    const asked = [];
    const spy = (host) => (asked.push(host), hosts(host));
    const texts = [];
    for (const network of ['tcp', 'tcp4', 'tcp6', 'udp4'])
      texts.push((await resolveListenAddr(network, '[::1%]:0', undefined, spy).catch((e) => e)).message);
    expect(texts).to.deep.equal([
      'lookup ::1%: no such host',
      'lookup ::1%: Address family for hostname not supported',
      'lookup ::1%: no such host',
      'lookup ::1%: Address family for hostname not supported',
    ]);
    expect(asked).to.deep.equal([]); // no resolver round trip
  });
  it('filters by the network family', async function () {
    const err = await resolveListenAddr('tcp6', 'v4:0', undefined, hosts).catch((e) => e);
    expect(err.message).to.equal('address v4: no suitable address found');
  });
  it('reports unknown names as Go does', async function () {
    const err = await resolveListenAddr('tcp', 'nope:0', undefined, hosts).catch((e) => e);
    expect(err.message).to.equal('lookup nope: no such host');
    expect(err.isNotFound).to.equal(true);
  });
  it('treats inet_aton short forms as names that do not resolve', async function () {
    for (const h of ['1.2.3', '127.1', '0x7f.1', '123']) {
      const err = await resolveListenAddr('tcp', `${h}:0`, undefined, hosts).catch((e) => e);
      expect(err.message).to.equal(`lookup ${h}: no such host`);
    }
  });
  it('does not resolve literals, and keeps IPv6 zones', async function () {
    const never = async () => {
      throw new Error('lookup called');
    };
    expect(await resolveListenAddr('tcp', '[fe80::1%eth0]:5', undefined, never)).to.deep.equal({
      ip: 'fe80::1',
      zone: 'eth0',
      port: 5,
    });
    expect(await resolveListenAddr('tcp', ':7', undefined, never)).to.deep.equal({ ip: '', zone: '', port: 7 });
    expect(await resolveListenAddr('tcp', '', undefined, never)).to.deep.equal({ ip: '', zone: '', port: 0 });
  });
  it('an AbortSignal aborts name resolution', async function () {
    const ac = new AbortController();
    const slow = () => new Promise(() => {});
    const p = resolveListenAddr('tcp', 'slow.example:0', ac.signal, slow);
    ac.abort(new Error('stop'));
    const err = await p.catch((e) => e);
    expect(err.name).to.equal('AbortError');
    expect(err.code).to.equal('ABORT_ERR');
    expect(err.cause.message).to.equal('stop');
  });
  it('rejects networks other than tcp, tcp4, tcp6 (and udp, refused later)', async function () {
    const err = await resolveListenAddr('tcpx', ':0').catch((e) => e);
    expect(err.message).to.equal('unknown network tcpx');
  });
});
