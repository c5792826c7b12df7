import { readFile } from 'node:fs/promises';
import { ZimbraBackupError } from '../errors.js';
import { Secret } from '../internal/secret.js';
import { invalidArgument as invalid } from '../internal/invalid-argument.js';

type Values = Record<string, string | boolean | string[] | undefined>;

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

/** Duration units accepted by {@link parseDuration}, in ms. `m` is not one: minutes or months? */
const UNIT_MS: Record<string, number> = {
  s: 1000,
  sec: 1000,
  min: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};

/**
 * Parses a duration with an explicit unit: `45s`, `90min`, `12h`, `30d`, `2w`; `0` (or
 * `forever`) means zero, which retention reads as "keep forever". The one duration parser of the
 * CLI and the config file (issue #15: `1m` meant one minute to the code and one month to the
 * user, and a bare number meant days). Refused: `1m` (ambiguous), a bare number other than 0,
 * an unknown unit, a fraction.
 * @throws `ZB_INVALID_ARGUMENT` naming the option.
 */
export function parseDuration(text: string, name = 'duration'): number {
  const v = text.trim();
  if (v === '0' || v.toLowerCase() === 'forever') return 0;
  const m = /^(\d+)\s*([a-z]+)$/i.exec(v);
  const unit = m?.[2]?.toLowerCase();
  if (m && unit !== undefined && UNIT_MS[unit] !== undefined) return Number(m[1]) * UNIT_MS[unit];
  const why =
    unit === 'm' || unit === 'mo' || unit === 'mon'
      ? `"${m?.[2]}" is ambiguous (minutes or months?): write ${m?.[1]}min, or days such as ${Number(m?.[1]) * 30}d`
      : /^\d+$/.test(v)
        ? 'a number needs a unit'
        : 'unknown format';
  throw new ZimbraBackupError(
    `--${name} ${JSON.stringify(v)}: ${why}; use a whole number with s, min, h, d or w (45s, 90min, 12h, 30d, 2w), or 0 for forever`,
    { code: 'ZB_INVALID_ARGUMENT', data: { field: name, value: v } },
  );
}

/** A duration option (see {@link parseDuration}), in ms. */
export function optDuration(values: Values, name: string): number | undefined {
  const v = optString(values, name);
  return v === undefined ? undefined : parseDuration(v, name);
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
