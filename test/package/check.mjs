// ESM consumer of the installed package: the default export and the named
// exports are the same objects, and the namespace has no __esModule.
import lc, { ListenConfig, listen, ErrClosed } from 'listenconfig';
import * as ns from 'listenconfig';

const problems = [];
if (lc.ListenConfig !== ListenConfig) problems.push('default.ListenConfig is not the named ListenConfig');
if (lc.ErrClosed !== ErrClosed) problems.push('two copies of ErrClosed');
if ('__esModule' in ns) problems.push('the namespace exports __esModule');
const ln = await listen('tcp', '127.0.0.1:0');
await ln.close();
console.log(JSON.stringify({ ok: problems.length === 0, problems, names: Object.keys(ns).length }));
process.exitCode = problems.length ? 1 : 0;
