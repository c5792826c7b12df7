/** A pino-compatible logger subset. Messages and objects given to it never hold secrets. */
export interface Logger {
  debug(obj: object | string, msg?: string): void;
  info(obj: object | string, msg?: string): void;
  warn(obj: object | string, msg?: string): void;
  error(obj: object | string, msg?: string): void;
}

const noop = (): void => {};

/** A logger that drops everything (the default). */
export const silentLogger: Logger = { debug: noop, info: noop, warn: noop, error: noop };

/** Resolves the `logger?: Logger | false` option every class accepts. */
export function resolveLogger(logger: Logger | false | undefined): Logger {
  return logger ? logger : silentLogger;
}
