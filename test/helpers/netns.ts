// Hosts on one machine for cluster tests: Linux network namespaces, each with its own address on a
// bridge in the root namespace (iproute2, as root). The bridge's own address is the root namespace's
// (services such as PostgreSQL listen there, reachable from every namespace); a process runs inside a
// host through `ip netns exec NAME`, which execs it (the pid stays the child's). Everything made is
// named after a random tag and removed by dispose(), also after a failed setup.
import { execFile, execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';

const run = promisify(execFile);
const IP_COMMAND_PATHS = ['/usr/sbin/ip', '/sbin/ip', '/usr/bin/ip', '/bin/ip'];
/** Hosts one lab holds at most: their addresses are .10 upwards of one /24. */
const LAB_HOSTS_MAX = 200;
const FIRST_HOST_OCTET = 10;

export interface LabHost {
  name: string;
  /** The namespace's name. */
  namespace: string;
  /** Its address on the bridge. */
  address: string;
  /** Runs node inside the namespace: the launcher of startServer and serveDrives. */
  launcher: string[];
}

/** Why network namespaces cannot be made here, or undefined when they can. */
export function netnsUnavailable(): string | undefined {
  if (process.getuid?.() !== 0) return 'needs root (network namespaces and links are made with iproute2)';
  if (!IP_COMMAND_PATHS.some((path) => existsSync(path))) return 'iproute2 (ip) is missing';
  const probe = `cairn-probe-${randomBytes(3).toString('hex')}`;
  try {
    execFileSync('ip', ['netns', 'add', probe], { stdio: 'pipe' });
  } catch (error) {
    return `ip netns add fails here: ${(error as { stderr?: Buffer }).stderr?.toString().trim() ?? (error as Error).message}`;
  }
  execFileSync('ip', ['netns', 'delete', probe], { stdio: 'pipe' });
  return undefined;
}

async function ip(...args: string[]): Promise<void> {
  await run('ip', args);
}

/** A /24 of 10.0.0.0/8 that no interface of this machine uses yet. */
async function freeSubnet(): Promise<string> {
  const { stdout } = await run('ip', ['-4', '-o', 'addr', 'show']);
  for (;;) {
    const subnet = `10.${200 + Math.floor(Math.random() * 50)}.${Math.floor(Math.random() * 256)}`;
    if (!stdout.includes(` ${subnet}.`)) return subnet;
  }
}

export class NetnsLab {
  readonly hosts = new Map<string, LabHost>();
  private readonly namespaces: string[] = [];
  private bridgeMade = false;

  private constructor(readonly tag: string, readonly subnet: string) {}

  /** The bridge's (root namespace's) address, reachable from every host. */
  get rootAddress(): string {
    return `${this.subnet}.1`;
  }

  private get bridge(): string {
    return `cbr${this.tag}`;
  }

  /** A bridge and one namespace per host name, each with loopback up and an address on the bridge. */
  static async create(hostNames: string[]): Promise<NetnsLab> {
    if (hostNames.length > LAB_HOSTS_MAX) throw new RangeError(`a lab holds at most ${LAB_HOSTS_MAX} hosts`);
    const lab = new NetnsLab(randomBytes(3).toString('hex'), await freeSubnet());
    try {
      await ip('link', 'add', lab.bridge, 'type', 'bridge');
      lab.bridgeMade = true;
      await ip('addr', 'add', `${lab.rootAddress}/24`, 'dev', lab.bridge);
      await ip('link', 'set', lab.bridge, 'up');
      for (const [index, name] of hostNames.entries()) await lab.addHost(name, index);
    } catch (error) {
      await lab.dispose();
      throw error;
    }
    return lab;
  }

  private async addHost(name: string, index: number): Promise<void> {
    const namespace = `cairn-${this.tag}-${name}`;
    // Interface names are at most 15 bytes: the tag and the host's number name them.
    const outside = `cv${this.tag}${index}`;
    const inside = `cp${this.tag}${index}`;
    const address = `${this.subnet}.${FIRST_HOST_OCTET + index}`;
    await ip('netns', 'add', namespace);
    this.namespaces.push(namespace);
    await ip('-n', namespace, 'link', 'set', 'lo', 'up');
    await ip('link', 'add', outside, 'type', 'veth', 'peer', 'name', inside, 'netns', namespace);
    await ip('link', 'set', outside, 'master', this.bridge);
    await ip('link', 'set', outside, 'up');
    await ip('-n', namespace, 'addr', 'add', `${address}/24`, 'dev', inside);
    await ip('-n', namespace, 'link', 'set', inside, 'up');
    this.hosts.set(name, { name, namespace, address, launcher: ['ip', 'netns', 'exec', namespace] });
  }

  host(name: string): LabHost {
    const host = this.hosts.get(name);
    if (host === undefined) throw new Error(`no host ${name} in the lab`);
    return host;
  }

  /** Removes every namespace (and with it the veth pairs) and the bridge; what is gone already is skipped. */
  async dispose(): Promise<void> {
    for (const namespace of this.namespaces.splice(0)) await ip('netns', 'delete', namespace).catch(() => undefined);
    if (this.bridgeMade) await ip('link', 'delete', this.bridge).catch(() => undefined);
    this.bridgeMade = false;
  }

  /** Names of this lab's namespaces and links still present (empty after dispose). */
  async leftovers(): Promise<string[]> {
    const { stdout: namespaces } = await run('ip', ['netns', 'list']);
    const { stdout: links } = await run('ip', ['-o', 'link', 'show']);
    return [...namespaces.split('\n'), ...links.split('\n')].filter((line) => line.includes(this.tag)).map((line) => line.trim());
  }
}
