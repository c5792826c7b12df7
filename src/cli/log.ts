import type { Logger } from '../internal/logger.js';

/** Log line format on stderr: human text, or one JSON object per line (`--log-format json`). */
export type LogFormat = 'text' | 'json';

const LEVELS = ['debug', 'info', 'warn', 'error'] as const;
type Level = (typeof LEVELS)[number];

/**
 * A logger writing to `write` (stderr): `text` is `time LEVEL message key=value...`, `json` is
 * `{"time","level","msg",...fields}` per line, for journald/Loki/Elastic. The library never puts
 * secrets into log fields (Secret prints a placeholder), so fields are written as given.
 */
export function createCliLogger(opts: {
  format?: string;
  level?: string;
  write: (line: string) => void;
  now?: () => number;
}): Logger {
  const format: LogFormat = opts.format === 'json' ? 'json' : 'text';
  const min = LEVELS.indexOf((opts.level ?? 'info') as Level);
  const now = opts.now ?? Date.now;
  const emit =
    (level: Level) =>
    (obj: object | string, msg?: string): void => {
      if (LEVELS.indexOf(level) < (min < 0 ? 1 : min)) return;
      const fields = typeof obj === 'string' ? {} : obj;
      const message = typeof obj === 'string' ? obj : (msg ?? '');
      const time = new Date(now()).toISOString();
      if (format === 'json') {
        opts.write(JSON.stringify({ time, level, msg: message, ...fields }, replacer));
        return;
      }
      const kv = Object.entries(fields)
        .map(
          ([k, v]) =>
            `${k}=${typeof v === 'string' ? (/\s/.test(v) ? JSON.stringify(v) : v) : JSON.stringify(v, replacer)}`,
        )
        .join(' ');
      opts.write(`${time} ${level.toUpperCase()} ${message}${kv ? ` ${kv}` : ''}`);
    };
  return { debug: emit('debug'), info: emit('info'), warn: emit('warn'), error: emit('error') };
}

/** Errors become `{ code, message }` (their own fields are not enumerable). */
function replacer(_key: string, value: unknown): unknown {
  if (value instanceof Error) {
    const code = (value as { code?: unknown }).code;
    return { ...(typeof code === 'string' ? { code } : {}), message: value.message };
  }
  return value;
}
