/**
 * A secret value (password, auth token) that never prints itself: `toString`, `toJSON` and
 * `util.inspect` give a placeholder, so it cannot leak through a log line or an error message.
 */
export class Secret {
  readonly #value: string;

  constructor(value: string) {
    this.#value = value;
  }

  /** The real value; call only where it is sent over the wire. */
  reveal(): string {
    return this.#value;
  }

  toString(): string {
    return '**redacted**';
  }

  toJSON(): string {
    return '**redacted**';
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return 'Secret(**redacted**)';
  }
}

/** Wraps a string in a {@link Secret}; passes a Secret through. */
export function toSecret(value: string | Secret): Secret {
  return value instanceof Secret ? value : new Secret(value);
}
