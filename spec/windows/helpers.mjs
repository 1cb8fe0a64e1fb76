// Helpers of the Windows conformance suite (spec/windows/). It runs on
// win32 — real Windows in the hosted CI workflow, node.exe under Wine with
// `npm run test:wine` — and skips elsewhere, saying why.
import * as fs from 'node:fs';
import * as net from 'node:net';

export const win32 = process.platform === 'win32';

/**
 * True under Wine: Wine's prefix has its own tools in system32, which no
 * Windows has. Wine maps Winsock onto Linux sockets, so queue semantics
 * (SYN dropped vs. RST on overflow) are Linux's there.
 */
export const wine = win32 && fs.existsSync(`${process.env.SystemRoot ?? 'C:\\windows'}\\system32\\wineboot.exe`);

/** Call in a describe's before(): skips the block off Windows, with the reason. */
export function onlyWindows(ctx) {
  if (!win32) {
    console.log(
      `    skipped: Windows conformance (SOCKETs, Winsock); this is ${process.platform}. Run \`npm run test:wine\` or the hosted CI workflow.`,
    );
    ctx.skip();
  }
}

/** A connected client with the bytes it received. */
export function client(port, host = '127.0.0.1') {
  const sock = net.connect({ port, host });
  const c = { sock, data: '', connected: false, error: undefined };
  sock.setEncoding('utf8');
  sock.on('data', (d) => (c.data += d));
  c.ready = new Promise((resolve) => {
    sock.once('connect', () => {
      c.connected = true;
      resolve(true);
    });
    sock.once('error', (e) => {
      c.error = e;
      resolve(false);
    });
  });
  c.ended = new Promise((resolve) => sock.once('close', () => resolve(c.data)));
  return c;
}

/** Reads from a net.Socket until it has n bytes or ends. */
export function readN(sock, n) {
  return new Promise((resolve, reject) => {
    let buf = '';
    const onData = (d) => {
      buf += d;
      if (buf.length >= n) done();
    };
    const done = () => {
      sock.off('data', onData);
      resolve(buf);
    };
    sock.setEncoding('utf8');
    sock.on('data', onData);
    sock.once('end', done);
    sock.once('error', reject);
  });
}
