// Multi-host connection strings, as libpq reads them (node-postgres does not):
// `postgres://user@h1:5432,h2:5432/db?target_session_attrs=read-write` names a primary and its
// standbys; a new connection tries the hosts in turn (the one that answered last first) and, with
// `read-write` (or `primary`), keeps only a server that accepts writes. So after the primary dies and
// a standby is promoted, the pool's next connections reach the new primary by themselves; until
// then every host is refused and requests fail fast with 503 SlowDown.
import pg from 'pg';

/** libpq's target_session_attrs values this engine honours (`any` is the default). */
const SESSION_ATTRS = ['any', 'read-write', 'primary'] as const;
export type TargetSessionAttrs = (typeof SESSION_ATTRS)[number];
/** Hosts one connection string may name. */
export const POSTGRES_HOSTS_MAX = 16;
const DEFAULT_PORT = 5432;

export interface PostgresHost {
  host: string;
  port: number;
}

export interface PostgresTarget {
  /** The pg client configuration of the first host (user, password, database and the URL's other parameters). */
  config: pg.ClientConfig;
  hosts: PostgresHost[];
  /** The same URL naming one host, for each host in order. */
  hostUrls: string[];
  sessionAttrs: TargetSessionAttrs;
}

/** Parses a connection string with one host or a comma-separated list; throws on a malformed one. */
export function parsePostgresUrl(url: string): PostgresTarget {
  const match = /^(postgres(?:ql)?:\/\/)([^@/?#]*@)?([^/?#]*)(.*)$/s.exec(url);
  if (match === null) throw new Error('the index URL must be postgres://[user[:password]@]host[:port][,host[:port]…]/database');
  const [, scheme, credentials = '', hostList, rest] = match as unknown as [string, string, string | undefined, string, string];
  const hosts = hostList.split(',').map(parseHost);
  if (hosts.length > POSTGRES_HOSTS_MAX) throw new Error(`the index URL names more than ${POSTGRES_HOSTS_MAX} hosts`);
  const query = new URLSearchParams(/\?([^#]*)/.exec(rest)?.[1] ?? '');
  const attrs = query.get('target_session_attrs') ?? 'any';
  if (!(SESSION_ATTRS as readonly string[]).includes(attrs)) throw new Error(`target_session_attrs=${attrs} is not supported; supported: ${SESSION_ATTRS.join(', ')}`);
  query.delete('target_session_attrs');
  const path = rest.replace(/\?[^#]*/, '');
  const search = query.toString();
  const hostUrls = hosts.map((host) => `${scheme}${credentials}${formatHost(host)}${path}${search === '' ? '' : `?${search}`}`);
  return { config: { connectionString: hostUrls[0]! }, hosts, hostUrls, sessionAttrs: attrs as TargetSessionAttrs };
}

function parseHost(text: string): PostgresHost {
  const match = /^(\[[^\]]+\]|[^:[\]]*)(?::(\d{1,5}))?$/.exec(text);
  if (match === null || match[1] === '') throw new Error(`the index URL's host "${text}" is not host[:port]`);
  return { host: match[1]!.replace(/^\[|\]$/g, ''), port: match[2] === undefined ? DEFAULT_PORT : Number(match[2]) };
}

function formatHost(host: PostgresHost): string {
  return `${host.host.includes(':') ? `[${host.host}]` : host.host}:${host.port}`;
}

/** Whether the server behind `client` accepts writes (libpq's read-write check). */
async function acceptsWrites(client: pg.Client): Promise<boolean> {
  const { rows } = await client.query<{ transaction_read_only: string }>('SHOW transaction_read_only');
  return rows[0]?.transaction_read_only === 'off';
}

/**
 * The pg Client class for a target: plain pg.Client for one host without session attributes;
 * otherwise a Client whose connect() walks the hosts. A pg Client connects once, so each host is
 * tried with a client of its own and the first that fits is kept: the walking client takes over the
 * chosen host's address and connects there (one extra short connection per pooled connection, which
 * lives for minutes).
 */
export function clientClassFor(target: PostgresTarget): typeof pg.Client {
  if (target.hosts.length === 1 && target.sessionAttrs === 'any') return pg.Client;
  let preferred = 0;
  const order = (): number[] => target.hosts.map((_, index) => (preferred + index) % target.hosts.length);
  const pick = async (config: pg.ClientConfig): Promise<number> => {
    const failures: string[] = [];
    for (const index of order()) {
      const probe = new pg.Client({ ...config, connectionString: target.hostUrls[index]! });
      probe.on('error', () => undefined);
      try {
        await probe.connect();
        if (target.sessionAttrs === 'any' || await acceptsWrites(probe)) {
          preferred = index;
          return index;
        }
        failures.push(`${formatHost(target.hosts[index]!)}: read-only`);
      } catch (error) {
        failures.push(`${formatHost(target.hosts[index]!)}: ${(error as Error).message}`);
      } finally {
        // Not awaited: pg's end() of a client whose connect failed can wait for an 'end' that already passed.
        void probe.end().catch(() => undefined);
      }
    }
    // A connection-class SQLSTATE: answered as an unreachable database (503 SlowDown).
    throw Object.assign(new Error(`no PostgreSQL host fits target_session_attrs=${target.sessionAttrs} (${failures.join('; ')})`), { code: '08001' });
  };
  class MultiHostClient extends pg.Client {
    private readonly walkConfig: pg.ClientConfig;

    constructor(config?: string | pg.ClientConfig) {
      super(config);
      this.walkConfig = typeof config === 'string' ? { connectionString: config } : config ?? {};
    }

    override connect(): Promise<pg.Client>;
    override connect(callback: (error: Error | null, client?: pg.Client) => void): void;
    override connect(callback?: (error: Error | null, client?: pg.Client) => void): Promise<pg.Client> | void {
      const connecting = pick(this.walkConfig).then(async (index) => {
        const { host, port } = target.hosts[index]!;
        const self = this as unknown as { host: string; port: number; connectionParameters: { host: string; port: number } };
        Object.assign(self, { host, port });
        Object.assign(self.connectionParameters, { host, port });
        await super.connect();
        return this as pg.Client;
      });
      if (callback === undefined) return connecting;
      connecting.then((client) => callback(null, client), (error: Error) => callback(error));
    }
  }
  return MultiHostClient;
}
