import { readFile } from 'node:fs/promises';
import { ZimbraBackupError } from '../errors.js';
import { Secret } from '../internal/secret.js';

type Values = Record<string, string | boolean | string[] | undefined>;

function invalid(message: string): ZimbraBackupError {
  return new ZimbraBackupError(message, { code: 'ZB_INVALID_ARGUMENT' });
}

/** A required string option. */
export function requireString(values: Values, name: string): string {
  const v = values[name];
  if (typeof v !== 'string' || v === '') throw invalid(`--${name} is required`);
  return v;
}

/** An optional string option. */
export function optString(values: Values, name: string): string | undefined {
  const v = values[name];
  return typeof v === 'string' && v !== '' ? v : undefined;
}

/** A comma-separated list option (`--accounts a,b`), possibly repeated. */
export function optList(values: Values, name: string): string[] | undefined {
  const v = values[name];
  if (v === undefined || v === false) return undefined;
  const parts = (Array.isArray(v) ? v : [String(v)]).flatMap((s) => s.split(','));
  const list = parts.map((s) => s.trim()).filter((s) => s !== '');
  return list.length > 0 ? list : undefined;
}

/** A positive integer option. */
export function optInt(values: Values, name: string, min = 0): number | undefined {
  const v = optString(values, name);
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min)
    throw invalid(`--${name} must be an integer >= ${min}, got ${JSON.stringify(v)}`);
  return n;
}

/** An ISO-8601 instant option, as ms since the epoch. */
export function optTime(values: Values, name: string): number | undefined {
  const v = optString(values, name);
  if (v === undefined) return undefined;
  const t = Date.parse(v);
  if (Number.isNaN(t))
    throw invalid(`--${name} must be an ISO-8601 time such as 2026-11-26T14:03:00Z, got ${JSON.stringify(v)}`);
  return t;
}

const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** Parses a duration such as `30d`, `12h`, `90m` or `0` (zero means "forever" for retention). */
export function parseDuration(text: string, name = 'duration'): number {
  const m = /^(\d+)\s*([smhdw]?)$/.exec(text.trim());
  if (!m) throw invalid(`--${name} must look like 30d, 12h, 90m, 45s or 0, got ${JSON.stringify(text)}`);
  const n = Number(m[1]);
  if (n === 0) return 0;
  const unit = m[2] === '' ? 'd' : (m[2] as string);
  return n * (UNIT_MS[unit] as number);
}

/**
 * Reads a password from `--<name>-file` or from the environment variable `envName`; never
 * from argv, so it cannot show in `ps` or shell history.
 */
export async function readPassword(
  values: Values,
  env: NodeJS.ProcessEnv,
  fileOption: string,
  envName: string,
): Promise<Secret | undefined> {
  const file = optString(values, fileOption);
  if (file !== undefined) {
    const text = await readFile(file, 'utf8').catch((cause: unknown) => {
      throw new ZimbraBackupError(`cannot read --${fileOption} ${file}`, { code: 'ZB_INVALID_ARGUMENT', cause });
    });
    const firstLine = text.split(/\r?\n/)[0] ?? '';
    if (firstLine === '') throw invalid(`--${fileOption} ${file} is empty`);
    return new Secret(firstLine);
  }
  const fromEnv = env[envName];
  return fromEnv ? new Secret(fromEnv) : undefined;
}
