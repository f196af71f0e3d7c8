// Serving TLS: the certificate chain and key from PEM files, TLS 1.2 and 1.3 only, HTTP/1.1 by ALPN,
// and the files watched so that a renewed certificate (ACME) is used by new connections without a
// restart. A half-written renewal (a new certificate beside the old key) is logged and skipped: the
// previous context keeps serving until both files agree.
import { readFileSync, unwatchFile, watchFile } from 'node:fs';
import { createSecureContext, type SecureContextOptions, type Server as TlsServer } from 'node:tls';
import { TLS_CERTIFICATE_POLL_MS } from '../limits.js';

export interface TlsFiles {
  /** PEM: the server certificate, then any intermediates (the chain sent to clients). */
  certificatePath: string;
  /** PEM: the certificate's private key. */
  keyPath: string;
}

/** What every TLS listener offers: no SSLv3, TLS 1.0 or 1.1; HTTP/1.1 only. */
const PROTOCOL_OPTIONS = { minVersion: 'TLSv1.2', maxVersion: 'TLSv1.3', ALPNProtocols: ['http/1.1'] } as const;

/** The context options for `files`, read now; throws (with the file named) when they are unusable. */
export function loadTlsOptions(files: TlsFiles): SecureContextOptions & { ALPNProtocols: string[] } {
  const read = (path: string, what: string): Buffer => {
    try {
      return readFileSync(path);
    } catch (error) {
      throw new Error(`cannot read the TLS ${what} ${path}: ${(error as Error).message}`);
    }
  };
  const options = { ...PROTOCOL_OPTIONS, ALPNProtocols: [...PROTOCOL_OPTIONS.ALPNProtocols], cert: read(files.certificatePath, 'certificate'), key: read(files.keyPath, 'key') };
  try {
    // Built once here so that a certificate and key that do not match fail now, naming the files.
    createSecureContext(options);
  } catch (error) {
    throw new Error(`TLS certificate ${files.certificatePath} and key ${files.keyPath}: ${(error as Error).message}`);
  }
  return options;
}

/**
 * Watches the certificate and key files (polling their stat: renames and symlink swaps, which is how
 * ACME clients install renewals, are seen too) and gives `servers` the new context on a change.
 */
export function watchTlsFiles(files: TlsFiles, servers: TlsServer[], log: (line: string) => void): { stop(): void } {
  const reload = () => {
    let options;
    try {
      options = loadTlsOptions(files);
    } catch (error) {
      log(`TLS certificate not reloaded (the previous one stays in use): ${(error as Error).message}`);
      return;
    }
    for (const server of servers) server.setSecureContext(options);
    log(`TLS certificate reloaded from ${files.certificatePath}`);
  };
  const onChange = (current: { mtimeMs: number; ino: number; size: number }, previous: { mtimeMs: number; ino: number; size: number }) => {
    if (current.mtimeMs !== previous.mtimeMs || current.ino !== previous.ino || current.size !== previous.size) reload();
  };
  const paths = [files.certificatePath, files.keyPath];
  for (const path of paths) watchFile(path, { interval: TLS_CERTIFICATE_POLL_MS, persistent: false }, onChange);
  return {
    stop() {
      for (const path of paths) unwatchFile(path, onChange);
    },
  };
}
