// The listening addresses of `cairn server` and `cairn server --ephemeral`: "[http://|https://]HOST:PORT",
// "[IPv6]:PORT", ":PORT" or "PORT", each a listener with or without TLS; and the port a cluster
// fixes for "any port" before it forks.
import { readFileSync } from 'node:fs';
import { createServer as createNetServer, type AddressInfo } from 'node:net';

export interface Listener {
  host: string;
  port: number;
  secure: boolean;
}

const PORT_MAX = 65535;

/**
 * An --address: "[http://|https://]HOST:PORT" (or [IPv6]:PORT, :PORT, PORT). Without a scheme it
 * is TLS when a certificate is given (--tls-cert), plain HTTP otherwise.
 */
export function parseListener(address: string, tlsGiven: boolean): Listener {
  const scheme = /^(https?):\/\//i.exec(address);
  const secure = scheme === null ? tlsGiven : scheme[1]!.toLowerCase() === 'https';
  if (secure && !tlsGiven) throw new Error(`--address ${address}: an https address needs --tls-cert and --tls-key`);
  return { ...parseAddress(scheme === null ? address : address.slice(scheme[0].length).replace(/\/$/, '')), secure };
}

/** "HOST:PORT", "[IPv6]:PORT", ":PORT" or "PORT". */
export function parseAddress(address: string): { host: string; port: number } {
  const match = /^(?:\[([0-9a-fA-F:.%a-zA-Z]+)\]|([^:[\]]*)):(\d+)$/.exec(address) ?? /^()()(\d+)$/.exec(address);
  if (match === null) throw new Error(`--address ${address}: expected HOST:PORT, [IPv6]:PORT or PORT`);
  const port = Number(match[3]);
  if (!Number.isInteger(port) || port > PORT_MAX) throw new Error(`--address ${address}: port must be 0–${PORT_MAX}`);
  const host = match[1] ?? (match[2] === '' ? '127.0.0.1' : match[2]!);
  return { host, port };
}

const EPHEMERAL_RANGE_FILE = '/proc/sys/net/ipv4/ip_local_port_range';
/** The lowest port chosen for "any port" outside the kernel's ephemeral range: above the well-known and common service ports. */
const FIXED_PORT_MIN = 10_000;
/** A range narrower than this gives no room to pick from at random, so the kernel picks instead. */
const FIXED_PORT_RANGE_MIN = 1_000;
const FIXED_PORT_ATTEMPTS = 20;

/**
 * A free port on `host`, for a cluster asked for "any port": workers that all listen on port 0 share
 * a handle that node:cluster closes when one of them dies, so the primary fixes one before forking.
 * Between this probe's close and the workers' listen the port is free for anyone to take, and a
 * port the kernel hands out for port 0 comes from its ephemeral range, from which every outgoing
 * connection on the machine also takes its local port (seen: both workers of a test server failing
 * `bind EADDRINUSE` under a busy suite). So the port is chosen at random below that range, where
 * only an explicit bind can land; the kernel's choice remains the fallback.
 */
export async function choosePort(host: string): Promise<number> {
  const below = portsBelowEphemeralRange();
  if (below !== undefined) {
    for (let attempt = 0; attempt < FIXED_PORT_ATTEMPTS; attempt += 1) {
      const port = below.lowest + Math.floor(Math.random() * (below.highest - below.lowest + 1));
      if (await probePort(host, port) !== undefined) return port;
    }
  }
  const port = await probePort(host, 0);
  if (port === undefined) throw new Error(`no free port on ${host}`);
  return port;
}

function portsBelowEphemeralRange(): { lowest: number; highest: number } | undefined {
  let ephemeralLowest: number;
  try {
    ephemeralLowest = Number(readFileSync(EPHEMERAL_RANGE_FILE, 'utf8').trim().split(/\s+/)[0]);
  } catch {
    return undefined;
  }
  const highest = ephemeralLowest - 1;
  if (!Number.isInteger(highest) || highest - FIXED_PORT_MIN + 1 < FIXED_PORT_RANGE_MIN) return undefined;
  return { lowest: FIXED_PORT_MIN, highest };
}

/** Binds and closes `port` on `host` (0: the kernel's choice); the port bound, or undefined if it was taken. */
async function probePort(host: string, port: number): Promise<number | undefined> {
  const probe = createNetServer();
  const bound = await new Promise<number | undefined>((resolveListen, rejectListen) => {
    probe.once('error', (error: NodeJS.ErrnoException) => (error.code === 'EADDRINUSE' ? resolveListen(undefined) : rejectListen(error)));
    probe.listen(port, host, () => resolveListen((probe.address() as AddressInfo).port));
  });
  if (bound !== undefined) await new Promise<void>((resolveClose) => probe.close(() => resolveClose()));
  return bound;
}
