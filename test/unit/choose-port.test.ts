// A cluster asked for "any port" fixes one before forking (cli/listen-address.ts): chosen below the
// kernel's ephemeral range, so no outgoing connection can take it before the workers listen, and
// never one that is already taken.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { describe, it } from 'node:test';
import { choosePort } from '../../src/cli/listen-address.js';

const CHOICES = 50;

function ephemeralLowest(): number | undefined {
  try {
    return Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
  } catch {
    return undefined;
  }
}

async function listenOn(port: number): Promise<Server> {
  const server = createServer();
  await new Promise<void>((resolveListen, rejectListen) => {
    server.once('error', rejectListen);
    server.listen(port, '127.0.0.1', () => resolveListen());
  });
  return server;
}

describe('choosePort', () => {
  it('chooses free ports from 10000 up to just below the ephemeral range, each one bindable', { skip: ephemeralLowest() === undefined ? 'no /proc/sys/net/ipv4/ip_local_port_range' : false }, async () => {
    const lowest = ephemeralLowest()!;
    const held: Server[] = [];
    try {
      for (let choice = 0; choice < CHOICES; choice += 1) {
        const port = await choosePort('127.0.0.1');
        assert.ok(port >= 10_000 && port < lowest, `port ${port} lies in [10000, ${lowest})`);
        // Held while choosing the next: a taken port is never chosen again.
        held.push(await listenOn(port));
      }
      assert.equal(new Set(held.map((server) => (server.address() as { port: number }).port)).size, CHOICES);
    } finally {
      await Promise.all(held.map((server) => new Promise<void>((resolveClose) => server.close(() => resolveClose()))));
    }
  });

  it('chooses an IPv6 loopback port when asked for one', async (t) => {
    const probe = createServer();
    const hasIpv6 = await new Promise<boolean>((resolveProbe) => {
      probe.once('error', () => resolveProbe(false));
      probe.listen(0, '::1', () => probe.close(() => resolveProbe(true)));
    });
    if (!hasIpv6) return t.skip('no IPv6 loopback here');
    const port = await choosePort('::1');
    assert.ok(Number.isInteger(port) && port > 0 && port <= 65_535);
  });
});
