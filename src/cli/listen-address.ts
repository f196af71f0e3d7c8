// The listening addresses of `cairn server` and `cairn server --ephemeral`: "[http://|https://]HOST:PORT",
// "[IPv6]:PORT", ":PORT" or "PORT", each a listener with or without TLS.

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
