/**
 * Alerts of the service, sent by e-mail and/or webhook: an account lags longer than a threshold
 * (once per episode, and once more when it recovers), a scheduled check finds errors, a
 * scheduled task fails (purge above all). A failed delivery is logged, never fatal.
 * @module
 */
import { resolveLogger, type Logger } from '../internal/logger.js';
import type { EngineStatus } from '../backup/backup-engine.js';
import type { ServiceTaskResult } from './service.js';

/** One alert. */
export interface Alert {
  /** What it is about. */
  kind: 'lag' | 'lag-recovered' | 'check-errors' | 'task-failed';
  /** One line, used as the e-mail subject. */
  summary: string;
  /** Details (account ids, error codes, counts). */
  data: Record<string, unknown>;
  /** When it was raised, ISO-8601 UTC. */
  time: string;
}

/** Where alerts go: each function delivers one alert or throws. */
export interface AlertSinks {
  /** POSTs the alert as JSON. */
  webhook?: (alert: Alert) => Promise<void>;
  /** Sends the alert as an e-mail. */
  email?: (alert: Alert) => Promise<void>;
}

/** Options of {@link AlertMonitor}. */
export interface AlertMonitorOptions extends AlertSinks {
  /** Alert when an account's capture lag exceeds this, in ms. Default: no lag alerts. */
  lagThresholdMs?: number;
  /** Host name or instance label put into every alert. Default: none. */
  instance?: string;
  logger?: Logger | false;
  /** Clock. Default `Date.now`. */
  now?: () => number;
}

/** Decides when to alert and delivers. */
export class AlertMonitor {
  readonly #opts: AlertMonitorOptions;
  readonly #log: Logger;
  readonly #lagging = new Set<string>();
  #sending: Promise<unknown> = Promise.resolve();

  constructor(opts: AlertMonitorOptions) {
    this.#opts = opts;
    this.#log = resolveLogger(opts.logger);
  }

  /** Looks at the engine's state (call periodically): raises and clears lag alerts. */
  observeStatus(status: EngineStatus): void {
    const limit = this.#opts.lagThresholdMs;
    if (limit === undefined || limit <= 0) return;
    for (const a of status.accounts) {
      if (a.lagMs > limit && !this.#lagging.has(a.id)) {
        this.#lagging.add(a.id);
        this.#raise('lag', `capture of ${a.name} lags ${Math.round(a.lagMs / 1000)} s (threshold ${limit / 1000} s)`, {
          accountId: a.id,
          account: a.name,
          lagMs: a.lagMs,
          thresholdMs: limit,
          waitSet: status.waitSet,
        });
      } else if (a.lagMs <= limit && this.#lagging.delete(a.id)) {
        this.#raise('lag-recovered', `capture of ${a.name} caught up`, { accountId: a.id, account: a.name });
      }
    }
  }

  /** Looks at a scheduled task's outcome: check errors and failed tasks alert. */
  observeTask(r: ServiceTaskResult): void {
    if (r.interrupted) return;
    if (r.error) {
      this.#raise('task-failed', `scheduled ${r.task} failed: ${r.error.code}: ${r.error.message}`, {
        task: r.task,
        error: r.error,
      });
    } else if (r.task === 'check' && r.check && !r.ok) {
      this.#raise('check-errors', `check found ${r.check.errors} errors (${r.check.remaining} not healable)`, {
        task: 'check',
        errors: r.check.errors,
        remaining: r.check.remaining,
        problems: r.check.problems.slice(0, 20).map((p) => ({ kind: p.kind, digest: p.digest, message: p.message })),
      });
    }
  }

  /** Resolves when every alert raised so far was delivered (or failed to). */
  async flush(): Promise<void> {
    await this.#sending;
  }

  #raise(kind: Alert['kind'], summary: string, data: Record<string, unknown>): void {
    const alert: Alert = {
      kind,
      summary: this.#opts.instance ? `[${this.#opts.instance}] ${summary}` : summary,
      data,
      time: new Date((this.#opts.now ?? Date.now)()).toISOString(),
    };
    this.#log.warn({ alert: kind, ...data }, summary);
    const sinks = (['webhook', 'email'] as const).filter((s) => this.#opts[s] !== undefined);
    const deliveries = sinks.map((s) =>
      (this.#opts[s] as (a: Alert) => Promise<void>)(alert).catch((err: unknown) =>
        this.#log.error({ sink: s, error: (err as Error).message }, 'alert delivery failed'),
      ),
    );
    this.#sending = Promise.all([this.#sending, ...deliveries]);
  }
}

/** A webhook sink: POST the alert as JSON; any non-2xx status is a failure. */
export function webhookSink(url: string, timeoutMs = 10_000): (alert: Alert) => Promise<void> {
  return async (alert) => {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(alert),
      signal: AbortSignal.timeout(timeoutMs),
    });
    await res.arrayBuffer();
    if (!res.ok) throw new Error(`webhook answered HTTP ${res.status}`);
  };
}

/** Formats an alert as a plain-text e-mail body. */
export function alertText(alert: Alert): string {
  return `${alert.summary}\n\ntime: ${alert.time}\nkind: ${alert.kind}\n\n${JSON.stringify(alert.data, null, 2)}\n`;
}

/** The part of a nodemailer transport an e-mail sink needs. */
export interface MailTransport {
  sendMail(message: { from: string; to: string[]; subject: string; text: string }): Promise<unknown>;
}

/** An e-mail sink over a nodemailer (or compatible) transport. */
export function emailSink(transport: MailTransport, from: string, to: string[]): (alert: Alert) => Promise<void> {
  return async (alert) => {
    await transport.sendMail({ from, to, subject: `zimbra-backup: ${alert.summary}`, text: alertText(alert) });
  };
}
