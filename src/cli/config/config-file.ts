/**
 * Reads and validates the configuration file (TOML, or JSON when the name ends in `.json`) and
 * turns it into flag values through the one mapping of `config-keys.ts`. Every problem names the
 * key; all problems are reported at once.
 * @module
 */
import { readFile } from 'node:fs/promises';
import { parse as parseToml } from 'smol-toml';
import { ZimbraBackupError } from '../../errors.js';
import type { Schedule } from '../../daemon/schedule.js';
import { parseDuration } from '../args.js';
import type { Command } from '../command.js';
import { CONFIG_KEYS, CONFIG_SECTIONS, type ConfigKey, type ConfigType } from './config-keys.js';
import { invalidArgument as invalid } from '../../internal/invalid-argument.js';

/** Where `run` and `config check` look when `--config` is not given. */
export const DEFAULT_CONFIG_PATH = '/etc/zimbra-backup/config.toml';

type FlagValue = string | boolean | string[];

/** One problem found in a configuration file. */
export interface ConfigProblem {
  /** The dotted key concerned (`schedule.purge`), or `''` for the file as a whole. */
  key: string;
  message: string;
}

/** A validated configuration. */
export interface LoadedConfig {
  /** The file it came from. */
  file: string;
  /** Values of the mapped keys, as the flag strings the commands parse. */
  keys: Map<string, FlagValue>;
  /** `[commands.<name>]` tables: flag values per command. */
  commands: Map<string, Map<string, FlagValue>>;
}

/**
 * Reads, parses and validates a configuration file.
 * @throws `ZB_INVALID_ARGUMENT` with `data.problems` (each naming its key) and `data.file`.
 */
export async function loadConfig(file: string, known: readonly Command[]): Promise<LoadedConfig> {
  const text = await readFile(file, 'utf8').catch((cause: unknown) => {
    throw new ZimbraBackupError(`cannot read the configuration file ${file}`, {
      code: 'ZB_INVALID_ARGUMENT',
      cause,
      data: { file },
    });
  });
  const { config, problems } = parseConfig(text, file, known);
  if (problems.length > 0) {
    const list = problems.map((p) => `${p.key || '(file)'}: ${p.message}`).join('; ');
    throw new ZimbraBackupError(`configuration ${file} is invalid: ${list}`, {
      code: 'ZB_INVALID_ARGUMENT',
      data: { file, problems },
    });
  }
  return config;
}

/** Parses and validates configuration text; never throws for bad content (see `problems`). */
export function parseConfig(
  text: string,
  file: string,
  known: readonly Command[],
): { config: LoadedConfig; problems: ConfigProblem[] } {
  const config: LoadedConfig = { file, keys: new Map(), commands: new Map() };
  const problems: ConfigProblem[] = [];
  let raw: unknown;
  try {
    raw = file.endsWith('.json') ? JSON.parse(text) : parseToml(text);
  } catch (err) {
    problems.push({ key: '', message: `not valid ${file.endsWith('.json') ? 'JSON' : 'TOML'}: ${firstLine(err)}` });
    return { config, problems };
  }
  if (!isTable(raw)) {
    problems.push({ key: '', message: 'the top level must be a table of settings' });
    return { config, problems };
  }
  const byKey = new Map<string, ConfigKey>();
  for (const row of CONFIG_KEYS) if (!byKey.has(row.key)) byKey.set(row.key, row);
  for (const [top, value] of Object.entries(raw)) {
    if (!CONFIG_SECTIONS.has(top)) {
      problems.push({ key: top, message: `unknown setting (known: ${[...CONFIG_SECTIONS].join(', ')})` });
      continue;
    }
    if (top === 'commands') {
      readCommands(value, known, config, problems);
      continue;
    }
    const row = byKey.get(top);
    if (row) {
      readValue(row, value, config, problems);
      continue;
    }
    if (!isTable(value)) {
      problems.push({ key: top, message: `must be a table ([${top}])` });
      continue;
    }
    for (const [sub, v] of Object.entries(value)) {
      const r = byKey.get(`${top}.${sub}`);
      if (!r) {
        const keys = CONFIG_KEYS.filter((k) => k.key.startsWith(`${top}.`)).map((k) => k.key.slice(top.length + 1));
        problems.push({
          key: `${top}.${sub}`,
          message: `unknown key (known in [${top}]: ${[...new Set(keys)].join(', ')})`,
        });
      } else readValue(r, v, config, problems);
    }
  }
  if (
    config.keys.has('schedule.purge') &&
    config.keys.get('schedule.purge') !== 'off' &&
    !config.keys.has('retention.items')
  )
    problems.push({ key: 'schedule.purge', message: 'a purge schedule needs retention.items' });
  return { config, problems };
}

/** Flag values a command gets from the configuration (command-line values win; the caller merges). */
export function configFlags(config: LoadedConfig, command: Command): Record<string, FlagValue> {
  const out: Record<string, FlagValue> = {};
  for (const row of CONFIG_KEYS) {
    const v = config.keys.get(row.key);
    if (v === undefined || !(row.flag in command.options)) continue;
    if (row.commands && !row.commands.includes(command.name)) continue;
    out[row.flag] = v;
  }
  for (const [flag, v] of config.commands.get(command.name) ?? []) out[flag] = v;
  return out;
}

function readValue(row: ConfigKey, value: unknown, config: LoadedConfig, problems: ConfigProblem[]): void {
  const r = checkType(row.type, value);
  if (typeof r === 'string' && r.startsWith('!')) problems.push({ key: row.key, message: r.slice(1) });
  else config.keys.set(row.key, r);
}

function readCommands(
  value: unknown,
  known: readonly Command[],
  config: LoadedConfig,
  problems: ConfigProblem[],
): void {
  if (!isTable(value)) {
    problems.push({ key: 'commands', message: 'must be a table of [commands.<name>] tables' });
    return;
  }
  for (const [name, table] of Object.entries(value)) {
    const cmd = known.find((c) => c.name === name);
    const key = `commands.${name}`;
    if (!cmd) {
      problems.push({ key, message: 'no such command' });
      continue;
    }
    if (!isTable(table)) {
      problems.push({ key, message: `must be a table of ${name}'s flags` });
      continue;
    }
    const flags = new Map<string, FlagValue>();
    for (const [flag, v] of Object.entries(table)) {
      const spec = cmd.options[flag];
      if (!spec) {
        problems.push({ key: `${key}.${flag}`, message: `${name} has no --${flag}` });
        continue;
      }
      const r = checkType(spec.type === 'boolean' ? 'boolean' : spec.multiple ? 'list' : 'string', v);
      if (typeof r === 'string' && r.startsWith('!')) problems.push({ key: `${key}.${flag}`, message: r.slice(1) });
      else flags.set(flag, r);
    }
    config.commands.set(name, flags);
  }
}

/** The flag form of a value, or `'!' + why` when it does not fit the type. */
function checkType(type: ConfigType, v: unknown): FlagValue {
  const got = `got ${JSON.stringify(v)}`;
  if (typeof type === 'object') {
    return typeof v === 'string' && type.oneOf.includes(v) ? v : `!must be one of ${type.oneOf.join(', ')}; ${got}`;
  }
  switch (type) {
    case 'boolean':
      return typeof v === 'boolean' ? v : `!must be true or false; ${got}`;
    case 'int':
      return Number.isSafeInteger(v) && (v as number) >= 1 ? String(v) : `!must be an integer >= 1; ${got}`;
    case 'list': {
      const list = typeof v === 'string' ? v.split(',') : v;
      if (!Array.isArray(list) || list.some((s) => typeof s !== 'string' || s.trim() === ''))
        return `!must be a string or an array of non-empty strings; ${got}`;
      return list.map((s: string) => s.trim());
    }
    case 'duration':
      if (typeof v !== 'string') return `!must be a string with a unit such as "30d" or "12h"; ${got}`;
      try {
        parseDuration(v);
        return v;
      } catch (err) {
        return `!${firstLine(err).replace(/^--duration /, '')}`;
      }
    case 'schedule':
      if (typeof v !== 'string') return `!must be a string such as "every 24h" or "daily 03:00Z"; ${got}`;
      try {
        parseSchedule(v);
        return v;
      } catch (err) {
        return `!${firstLine(err)}`;
      }
    case 'listen':
      if (typeof v !== 'string') return `!must be "host:port"; ${got}`;
      try {
        parseListen(v);
        return v;
      } catch (err) {
        return `!${firstLine(err)}`;
      }
    default:
      return typeof v === 'string' && v !== '' ? v : `!must be a non-empty string; ${got}`;
  }
}

/**
 * Parses a schedule: `every <duration>` (first run one interval after start), `daily HH:MM<zone>`
 * (the zone is required: `Z` or `+01:00`), or `off`.
 * @throws `ZB_INVALID_ARGUMENT`.
 */
export function parseSchedule(text: string): Schedule | undefined {
  const t = text.trim();
  if (t === 'off') return undefined;
  const every = /^every\s+(\S+)$/.exec(t);
  if (every) {
    const ms = parseDuration(every[1] as string, 'schedule');
    if (ms < 1000) throw invalid(`"${t}": the interval must be at least 1s`);
    return { everyMs: ms };
  }
  const daily = /^daily\s+([01]\d|2[0-3]):([0-5]\d)(Z|[+-](?:[01]\d|2[0-3]):[0-5]\d)$/.exec(t);
  if (daily) {
    const zone = daily[3] as string;
    const offset =
      zone === 'Z' ? 0 : (zone[0] === '-' ? -1 : 1) * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(4)));
    const minute = (((Number(daily[1]) * 60 + Number(daily[2]) - offset) % 1440) + 1440) % 1440;
    return { dailyAtUtcMinute: minute };
  }
  throw invalid(`"${t}" is not a schedule: use "every 6h", "daily 03:00Z" (a zone is required: Z or +01:00) or "off"`);
}

/** Parses `host:port` and refuses non-loopback hosts (metrics carry account ids). */
export function parseListen(text: string): { host: string; port: number } {
  const m = /^(\[[0-9a-fA-F:]+\]|[^:]+):(\d{1,5})$/.exec(text.trim());
  const port = m ? Number(m[2]) : NaN;
  if (!m || port > 65535) throw invalid(`"${text}" is not host:port`);
  const host = (m[1] as string).replace(/^\[|\]$/g, '');
  if (!['127.0.0.1', 'localhost', '::1'].includes(host) && !host.startsWith('127.'))
    throw invalid(`"${text}": the metrics endpoint listens on loopback only (127.0.0.1, ::1); put a proxy in front`);
  return { host, port };
}

function isTable(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Date);
}

function firstLine(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).split('\n')[0] as string;
}
