// `cairn sql "SELECT …"`: runs SQL over the S3 Metadata tables of a running server (POST
// /_cairn/sql, signed with SigV4 like any S3 request) and prints the answer as an aligned table, CSV
// or JSON.
import { createHash } from 'node:crypto';
import { parseArgs } from 'node:util';
import { SignatureV4 } from '@smithy/signature-v4';
import type { Credentials } from '../frontend/auth/sigv4.js';
import { clientCredentials } from './credentials.js';
import { NodeSha256 } from '../util/node-sha256.js';
import { DEFAULT_ADDRESS, DEFAULT_REGION } from './server-command.js';

const OUTPUT_FORMATS = ['table', 'csv', 'json'] as const;
type OutputFormat = (typeof OUTPUT_FORMATS)[number];
/** How long the command waits for an answer (the server stops a query after 30 s). */
const REQUEST_TIMEOUT_MS = 60_000;

interface QueryAnswer {
  columns: Array<{ name: string; type: string }>;
  rows: unknown[][];
  truncated: boolean;
  elapsedMs: number;
}

/** The first complete pair of CAIRN_ACCESS_KEY / CAIRN_SECRET_KEY or AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY. */
function credentialsFromEnvironment(): Credentials {
  const credentials = clientCredentials(process.env);
  if (credentials === undefined) throw new Error('set CAIRN_ACCESS_KEY and CAIRN_SECRET_KEY (or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY)');
  return credentials;
}

function render(value: unknown, nullText: string): string {
  if (value === null || value === undefined) return nullText;
  return typeof value === 'object' ? JSON.stringify(value) : String(value);
}

function csvField(text: string): string {
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

export function formatAnswer(answer: QueryAnswer, format: OutputFormat): string {
  const names = answer.columns.map((column) => column.name);
  if (format === 'json') {
    return JSON.stringify(answer.rows.map((row) => Object.fromEntries(row.map((value, position) => [names[position], value]))), null, 2) + '\n';
  }
  if (format === 'csv') {
    return [names, ...answer.rows.map((row) => row.map((value) => render(value, '')))].map((fields) => fields.map(csvField).join(',')).join('\n') + '\n';
  }
  const cells = answer.rows.map((row) => row.map((value) => render(value, 'NULL')));
  const widths = names.map((name, position) => Math.max(name.length, ...cells.map((row) => row[position]!.length)));
  const line = (fields: string[]) => fields.map((field, position) => field.padEnd(widths[position]!)).join(' | ').trimEnd();
  const footer = `(${answer.rows.length} row${answer.rows.length === 1 ? '' : 's'}${answer.truncated ? ', truncated' : ''})`;
  return [line(names), widths.map((width) => '-'.repeat(width)).join('-+-'), ...cells.map(line), footer].join('\n') + '\n';
}

export async function sqlCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: {
      endpoint: { type: 'string', default: `http://${DEFAULT_ADDRESS}` },
      format: { type: 'string', default: 'table' },
      region: { type: 'string', default: DEFAULT_REGION },
    },
    strict: true,
    allowPositionals: true,
  });
  if (positionals.length !== 1) throw new Error('cairn sql takes one query (quote it): cairn sql "SELECT …"');
  const format = values.format as OutputFormat;
  if (!OUTPUT_FORMATS.includes(format)) throw new Error(`--format ${values.format}: expected ${OUTPUT_FORMATS.join(', ')}`);
  const url = new URL('/_cairn/sql', values.endpoint);
  const body = JSON.stringify({ sql: positionals[0] });
  const signer = new SignatureV4({ credentials: credentialsFromEnvironment(), region: values.region, service: 's3', sha256: NodeSha256 as never });
  const signed = await signer.sign({
    method: 'POST', protocol: url.protocol, hostname: url.hostname, port: url.port === '' ? undefined : Number(url.port), path: url.pathname,
    query: {}, body,
    headers: { host: url.host, 'content-type': 'application/json', 'x-amz-content-sha256': createHash('sha256').update(body).digest('hex') },
  });
  const response = await fetch(url, { method: 'POST', headers: signed.headers, body, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
  const text = await response.text();
  if (!response.ok) {
    const json = /^\s*\{/.test(text) ? (JSON.parse(text) as { error?: { code: string; message: string } }) : undefined;
    const xmlCode = /<Code>([^<]*)<\/Code>/.exec(text)?.[1];
    const xmlMessage = /<Message>([^<]*)<\/Message>/.exec(text)?.[1];
    const reason = json?.error !== undefined ? `${json.error.code}: ${json.error.message}` : `${xmlCode ?? response.status}: ${xmlMessage ?? text}`;
    process.stderr.write(`cairn sql: ${reason}\n`);
    return 1;
  }
  process.stdout.write(formatAnswer(JSON.parse(text) as QueryAnswer, format));
  return 0;
}
