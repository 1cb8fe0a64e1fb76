// A self-signed certificate for localhost, made at test time with openssl
// (nothing secret is stored in the repository). undefined, with the reason
// in `certSkipReason`, where openssl is missing.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

let made;
export let certSkipReason = '';

/** { key, cert } (PEM strings) for CN=localhost, or undefined. */
export function localhostCert() {
  if (made !== undefined) return made || undefined;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'listenconfig-cert-'));
  try {
    const r = spawnSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-days',
        '1',
        '-subj',
        '/CN=localhost',
        '-addext',
        'subjectAltName=DNS:localhost,IP:127.0.0.1',
        '-keyout',
        path.join(dir, 'key.pem'),
        '-out',
        path.join(dir, 'cert.pem'),
      ],
      { encoding: 'utf8', timeout: 20000 },
    );
    if (r.error || r.status !== 0) {
      certSkipReason = `openssl could not make a certificate: ${r.error?.message ?? r.stderr.trim()}`;
      made = false;
      return undefined;
    }
    made = {
      key: fs.readFileSync(path.join(dir, 'key.pem'), 'utf8'),
      cert: fs.readFileSync(path.join(dir, 'cert.pem'), 'utf8'),
    };
    return made;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
