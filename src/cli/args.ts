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

/**
 * An ISO-8601 date-time with an explicit zone: `Z` or a `+hh:mm`/`-hh:mm` offset. A time without
 * one would be read in the machine's zone, so the same command would mean different instants on
 * different machines: it is refused (issue #15). A bare date is refused for the same reason.
 */
const ZONED_TIME = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})$/i;

/**
 * Parses a zoned ISO-8601 instant (see {@link ZONED_TIME}) to ms since the epoch.
 * @throws `ZB_INVALID_ARGUMENT` naming the option for a zone-less, partial or invalid time.
 */
export function parseZonedTime(text: string, name = 'time'): number {
  const v = text.trim();
  const t = ZONED_TIME.test(v) && realDate(v) ? Date.parse(v.replace(' ', 'T')) : Number.NaN;
  if (Number.isNaN(t)) {
    const zoneless = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$/i.test(v);
    throw new ZimbraBackupError(
      zoneless
        ? `--${name} ${JSON.stringify(v)} has no time zone, so it could mean different instants; add Z (UTC) or an offset, e.g. ${v.length === 10 ? `${v}T00:00:00` : v}Z or ${v.length === 10 ? `${v}T00:00:00` : v}+01:00`
        : `--${name} must be an ISO-8601 time with a zone, such as 2026-11-26T14:03:00Z or 2026-11-26T15:03:00+01:00, got ${JSON.stringify(v)}`,
      { code: 'ZB_INVALID_ARGUMENT', data: { field: name, value: v } },
    );
  }
  return t;
}

/** False for a calendar date that does not exist (Date.parse rolls 2026-02-30 over to March). */
function realDate(v: string): boolean {
  const [y, m, d] = v.slice(0, 10).split('-').map(Number) as [number, number, number];
  const hour = Number(v.slice(11, 13));
  return m >= 1 && m <= 12 && d >= 1 && d <= new Date(Date.UTC(y, m, 0)).getUTCDate() && hour <= 23;
}

/** A zoned ISO-8601 instant option (see {@link parseZonedTime}), as ms since the epoch. */
export function optTime(values: Values, name: string): number | undefined {
  const v = optString(values, name);
  return v === undefined ? undefined : parseZonedTime(v, name);
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
