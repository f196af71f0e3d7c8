// SigV4 variants for the fuzz suite: real requests signed with the SDK's signer (header auth and
// presigned URLs), then one part of the signature mutated — the credential scope, the signed
// header list, the signature, the date, the payload hash, the expiry. Most must be refused with
// S3's error; none may answer 500. They read from the model bucket or write to the scratch bucket,
// so whatever they do, the model of acknowledged writes stays exact.
import { SignatureV4 } from '@smithy/signature-v4';
import { NodeSha256, sendRaw, sha256Hex, signer } from '../clients.js';
import { TEST_ACCESS_KEY, TEST_SECRET_KEY } from '../server.js';
import type { SeededRandom } from '../seeded-random.js';
import type { FuzzRequest } from './requests.js';
import { encodeKeyPath, hostileKey } from './values.js';

const REGIONS = ['us-east-1', 'eu-west-1', 'xx-fake-9', '', 'US-EAST-1', 'a'.repeat(300)];
const SERVICES = ['s3', 's3tables', 'backup', 'ecr', 'fis', 'iam', ''];

function mutateAuthorization(authorization: string, random: SeededRandom): string {
  switch (random.int(0, 9)) {
    case 0: return authorization.replace(/Signature=([0-9a-f])/, (_, c: string) => `Signature=${c === '0' ? '1' : '0'}`);
    case 1: return authorization.replace(/Signature=[0-9a-f]+/, `Signature=${random.pick(['', 'zz', 'A'.repeat(64), '0'.repeat(63)])}`);
    case 2: return authorization.replace(/SignedHeaders=[^,]+/, `SignedHeaders=${random.pick(['', 'host', 'x-amz-date', 'host;host', 'host;x-amz-date;zzz', 'HOST;X-AMZ-DATE'])}`);
    case 3: return authorization.replace(/Credential=[^/]+/, `Credential=${random.pick(['', 'AKIDUNKNOWN', TEST_ACCESS_KEY.toLowerCase(), TEST_ACCESS_KEY + '/'])}`);
    case 4: return authorization.replace(/\/\d{8}\//, `/${random.pick(['19700101', '99991231', '2024-1-1', ''])}/`);
    case 5: return authorization.replace('aws4_request', random.pick(['aws4_requests', '', 'AWS4_REQUEST']));
    case 6: return authorization.replace('AWS4-HMAC-SHA256', random.pick(['AWS4-HMAC-SHA512', 'AWS', '', 'AWS4-ECDSA-P256-SHA256']));
    case 7: return authorization.replace(/, /g, random.pick([',', ' , ', ',,', ' ']));
    case 8: return authorization + random.pick([', Signature=00', ',', ' extra', ', Credential=x']);
    default: return authorization.slice(0, random.int(0, authorization.length));
  }
}

/** A signer for a region or service other than the server's (AuthorizationHeaderMalformed, or issue #13's defect 4). */
function otherSigner(random: SeededRandom): SignatureV4 {
  return new SignatureV4({
    credentials: { accessKeyId: TEST_ACCESS_KEY, secretAccessKey: random.chance(0.3) ? 'wrong-secret' : TEST_SECRET_KEY },
    region: random.pick(REGIONS) || 'us-east-1', service: random.pick(SERVICES) || 's3',
    sha256: NodeSha256 as never, uriEscapePath: false, applyChecksum: false,
  });
}

export function sigv4Request(random: SeededRandom): FuzzRequest {
  const write = random.chance(0.3);
  const method = write ? 'PUT' : random.pick(['GET', 'HEAD']);
  const path = write ? `/fuzz-ops/${encodeKeyPath(hostileKey(random))}` : random.pick(['/fuzz-model/range-object', '/fuzz-model', `/fuzz-model/${encodeKeyPath(hostileKey(random))}`]);
  const body = write ? random.bytes(random.int(0, 3000)) : Buffer.alloc(0);
  const presigned = random.chance(0.35);
  const variant = random.int(0, 5);
  const variantRandom = random.fork();
  return {
    category: presigned ? 'sigv4-presigned' : 'sigv4-header', method, describe: `${method} ${path} ${presigned ? 'presigned' : 'header-signed'} variant ${variant}`,
    run: async ({ server }) => {
      const url = new URL(server.endpoint);
      const base = { method, protocol: 'http:', hostname: url.hostname, port: Number(url.port), path, query: {}, headers: { host: url.host } as Record<string, string> };
      const chosenSigner = variant === 0 ? otherSigner(variantRandom) : signer;
      const signingDate = variant === 1 ? new Date(Date.now() + variantRandom.pick([-1, 1]) * variantRandom.int(16, 100_000) * 60_000) : undefined;
      if (presigned) {
        const expiresIn = variant === 2 ? variantRandom.pick([1, 2, 604_800]) : 300;
        const request = await chosenSigner.presign(base, { expiresIn, signingDate });
        const query = { ...(request.query as Record<string, string>) };
        if (variant === 3) {
          const name = variantRandom.pick(Object.keys(query));
          query[name] = variantRandom.chance(0.5) ? '' : `${query[name]}x`;
        }
        if (variant === 4) query['X-Amz-Expires'] = variantRandom.pick(['-1', 'abc', '1e3', '99999999999999999999', '604800']);
        const search = new URLSearchParams(query).toString();
        return { response: await sendRaw(server, method, `${path}?${search}`, { host: url.host, 'content-length': String(body.length) }, body) };
      }
      const headers = { ...base.headers, 'x-amz-content-sha256': variant === 5 ? variantRandom.pick([sha256Hex('other'), 'UNSIGNED-PAYLOAD', 'STREAMING-UNSIGNED-PAYLOAD-TRAILER', 'x']) : sha256Hex(body) };
      const signed = await chosenSigner.sign({ ...base, headers, body }, { signingDate });
      const sent: Record<string, string> = { ...(signed.headers as Record<string, string>), 'content-length': String(body.length) };
      if (variant >= 2 && variant <= 4) sent['authorization'] = mutateAuthorization(sent['authorization']!, variantRandom);
      if (variant === 4 && variantRandom.chance(0.5)) sent['x-amz-date'] = variantRandom.pick(['', '20250101', '20250101T000000', 'x', '99991231T235959Z']);
      return { response: await sendRaw(server, method, path, sent, body) };
    },
  };
}
