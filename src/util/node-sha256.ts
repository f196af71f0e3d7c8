// SHA-256 and HMAC-SHA-256 from node:crypto in the shape @smithy/signature-v4 expects, for what
// signs requests to a running server (cairn sql, cairn admin, the console's proxy).
import { createHash, createHmac } from 'node:crypto';

export class NodeSha256 {
  private readonly hash;
  constructor(secret?: string | Uint8Array) {
    this.hash = secret === undefined ? createHash('sha256') : createHmac('sha256', secret);
  }
  update(data: string | Uint8Array): void {
    this.hash.update(data);
  }
  async digest(): Promise<Uint8Array> {
    return this.hash.digest();
  }
  reset(): void {}
}
