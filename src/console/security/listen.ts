/**
 * Where the console may listen: loopback by default; any other address only with TLS, or when
 * the operator explicitly accepts plain HTTP (`insecureHttp`), since the session cookie and the
 * admin password would otherwise cross the network in clear.
 * @module
 */
import { isIP } from 'node:net';
import { invalidArgument } from '../../internal/invalid-argument.js';

/** What every refusal here names. */
const LISTEN = { field: 'listen' };

/** A parsed listen address. */
export interface ListenAddress {
  host: string;
  port: number;
}

/** Parses `host:port`, `[v6]:port` or `:port` (host 127.0.0.1). */
export function parseListen(text: string): ListenAddress {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]*)):(\d{1,5})$/.exec(text.trim());
  if (!m)
    throw invalidArgument(`--listen must look like 127.0.0.1:8080 or [::1]:8080, got ${JSON.stringify(text)}`, LISTEN);
  const host = m[1] ?? (m[2] || '127.0.0.1');
  const port = Number(m[3]);
  if (port > 65535) throw invalidArgument(`--listen port must be 0-65535, got ${port}`, LISTEN);
  return { host, port };
}

/** True for 127.0.0.0/8, ::1 and `localhost`. */
export function isLoopback(host: string): boolean {
  if (host === 'localhost' || host === '::1') return true;
  return isIP(host) === 4 && host.startsWith('127.');
}

/**
 * Refuses a non-loopback address without TLS unless plain HTTP was asked for.
 * @throws `ZB_INVALID_ARGUMENT` naming the flags that would allow it.
 */
export function assertListenAllowed(host: string, tls: boolean, insecureHttp: boolean): void {
  if (isLoopback(host) || tls || insecureHttp) return;
  throw invalidArgument(
    `refusing to serve the console on ${host} over plain HTTP: give --tls-cert and --tls-key, or --insecure-http to accept it`,
    LISTEN,
  );
}
