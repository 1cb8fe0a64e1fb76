// Run inside a project that installed the packed tarball (scripts/test-package.sh):
// the installed package loads, listens, accepts a real connection, and names the
// addon binary it loaded. Prints one JSON line; argv[2] writes it to a file
// instead (node.exe under Wine cannot write to a pipe).
'use strict';
const fs = require('node:fs');
const net = require('node:net');
const lc = require('listenconfig');

async function main() {
  const ln = await new lc.ListenConfig({ backlog: 8 }).listen('tcp', '127.0.0.1:0');
  const client = net.connect(ln.addr().port, '127.0.0.1');
  const got = new Promise((resolve, reject) => {
    let data = '';
    client.setEncoding('utf8').on('data', (d) => (data += d)).on('end', () => resolve(data)).on('error', reject);
  });
  const conn = await ln.accept();
  conn.end('hello from ' + process.platform + '-' + process.arch);
  const data = await got;
  await ln.close();
  const addon = Object.keys(require.cache).find((f) => f.endsWith('.node'));
  return { ok: data === `hello from ${process.platform}-${process.arch}`, data, backlog: ln.backlog, addon };
}

main().then(
  (r) => {
    const line = JSON.stringify(r) + '\n';
    if (process.argv[2]) fs.writeFileSync(process.argv[2], line);
    else process.stdout.write(line);
    process.exitCode = r.ok ? 0 : 1;
  },
  (e) => {
    const line = JSON.stringify({ ok: false, error: String(e && e.stack) }) + '\n';
    if (process.argv[2]) fs.writeFileSync(process.argv[2], line);
    else process.stdout.write(line);
    process.exitCode = 1;
  },
);
