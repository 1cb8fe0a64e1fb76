// An experiment, not part of `npm run bench`: the bench's Node server with
// listenconfig's adopt() replaced, to price the public `new net.Socket({fd})`
// adoption against the alternative of opening the descriptor in a TCP
// handle first (process.binding('tcp_wrap'), what net.Server does inside).
//
//   node bench/experiments/adopt-server.mjs '<servers/node.mjs options>' handle|fd
import { createRequire } from 'node:module';
import * as net from 'node:net';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const require = createRequire(path.join(repo, 'package.json'));
const adoptModule = require(path.join(repo, 'dist', 'adopt.js'));

if (process.argv[3] === 'handle') {
  // `{fd}` makes Node guess the descriptor's type (uv_guess_handle: fstat,
  // getsockopt(SO_TYPE), getsockname) before it opens a TCP handle; the
  // accepted descriptor is known to be a TCP socket, so open one directly.
  const { TCP, constants } = process.binding('tcp_wrap');
  adoptModule.adopt = (fd) => {
    const handle = new TCP(constants.SOCKET);
    const err = handle.open(fd);
    if (err) throw new Error(`uv_tcp_open: ${err}`);
    return new net.Socket({ handle, readable: true, writable: true });
  };
}
process.argv.splice(3, 1);
await import('../servers/node.mjs');
