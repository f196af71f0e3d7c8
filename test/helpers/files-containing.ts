// Every file under a directory tree whose bytes contain a marker: how the encryption tests prove that
// no plaintext of an encrypted object reaches the drives, the index or its WAL.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export function filesContaining(root: string, marker: Buffer): string[] {
  const found: string[] = [];
  const walk = (directory: string) => {
    for (const entry of readdirSync(directory, { withFileTypes: true })) {
      const path = join(directory, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.isFile() && readFileSync(path).includes(marker)) found.push(path);
    }
  };
  walk(root);
  return found;
}
