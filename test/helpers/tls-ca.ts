// A certificate authority made for a test with the openssl command: a root, an intermediate, and
// server certificates for 127.0.0.1/localhost whose PEM holds the chain (leaf, then intermediate).
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const opensslAvailable = spawnSync('openssl', ['version'], { encoding: 'utf8' }).status === 0;

function openssl(directory: string, args: string[]): void {
  const result = spawnSync('openssl', args, { cwd: directory, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`openssl ${args.join(' ')}: ${result.stderr}`);
}

const EC_KEY = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

export interface TestCa {
  directory: string;
  /** The root certificate clients trust (PEM path). */
  caPath: string;
  /** Issues a server certificate (chain included) and key; returns their paths and the leaf's serial (hex, upper case). */
  issue(name: string): { certificatePath: string; keyPath: string; serialHex: string };
}

export function createTestCa(directory: string): TestCa {
  writeFileSync(join(directory, 'ca.ext'), 'basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\nsubjectKeyIdentifier=hash\n');
  writeFileSync(join(directory, 'leaf.ext'), 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\nsubjectAltName=IP:127.0.0.1,DNS:localhost\n');
  openssl(directory, ['req', '-x509', ...EC_KEY, '-keyout', 'root.key', '-out', 'root.pem', '-days', '2', '-subj', '/CN=Cairn Test Root',
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
  openssl(directory, ['req', ...EC_KEY, '-keyout', 'inter.key', '-out', 'inter.csr', '-subj', '/CN=Cairn Test Intermediate']);
  openssl(directory, ['x509', '-req', '-in', 'inter.csr', '-CA', 'root.pem', '-CAkey', 'root.key', '-set_serial', '1000', '-days', '2', '-extfile', 'ca.ext', '-out', 'inter.pem']);
  let serial = 2000;
  return {
    directory,
    caPath: join(directory, 'root.pem'),
    issue(name) {
      serial += 1;
      openssl(directory, ['req', ...EC_KEY, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${name}`]);
      openssl(directory, ['x509', '-req', '-in', `${name}.csr`, '-CA', 'inter.pem', '-CAkey', 'inter.key', '-set_serial', String(serial), '-days', '2',
        '-extfile', 'leaf.ext', '-out', `${name}.leaf.pem`]);
      const chainPath = join(directory, `${name}.pem`);
      writeFileSync(chainPath, Buffer.concat([readFileSync(join(directory, `${name}.leaf.pem`)), readFileSync(join(directory, 'inter.pem'))]));
      return { certificatePath: chainPath, keyPath: join(directory, `${name}.key`), serialHex: serial.toString(16).toUpperCase() };
    },
  };
}
