/**
 * Scripted fault injection for tests: each rule matches a SOAP request name and/or a URL
 * path, fires `times` times (default once), and may delay, answer an HTTP status, reset the
 * connection, truncate the body, answer a SOAP fault, or make the auth token look expired.
 */

/** One fault rule. */
export interface FaultRule {
  /** What to match; both must match when both are given. Empty matches every request. */
  match?: {
    /** SOAP request element name, e.g. `SyncRequest` (members of a BatchRequest are not matched). */
    request?: string;
    /** Regular expression tested against the URL path plus query. */
    path?: RegExp;
  };
  /** How many matching requests to affect (default 1; `Infinity` for all). */
  times?: number;
  /** Delay before handling, in ms. */
  delayMs?: number;
  /** Answer this HTTP status with a short plain-text body instead of handling (e.g. 503). */
  status?: number;
  /** Destroy the connection without an answer. */
  reset?: boolean;
  /** Send the headers and about half of the real body, then destroy the connection. */
  truncate?: boolean;
  /** Answer this SOAP fault (HTTP 500, Zimbra's shape) instead of handling. */
  fault?: { code: string; reason?: string; sender?: boolean };
  /** Treat the request's auth token as expired (`service.AUTH_EXPIRED`, REST 401). */
  expireAuth?: boolean;
  /**
   * Called when the rule fires, before the request is handled: a test changes the mailbox between
   * two requests of a client at a known point (an item deleted after its listing, before its download).
   */
  before?: () => void;
}

/** The rules that fired for one request. */
export interface FaultPlan {
  delayMs: number;
  status: number | undefined;
  reset: boolean;
  truncate: boolean;
  fault: FaultRule['fault'];
  expireAuth: boolean;
  before: Array<() => void>;
}

/** The emulator's fault script. */
export class FaultInjector {
  private rules: Array<FaultRule & { left: number }> = [];

  /** Adds a rule. */
  inject(rule: FaultRule): void {
    this.rules.push({ ...rule, left: rule.times ?? 1 });
  }

  /** Removes every rule. */
  clear(): void {
    this.rules = [];
  }

  /** Rules not yet used up (tests assert this is 0 at the end). */
  pending(): number {
    return this.rules.filter((r) => r.left > 0).length;
  }

  /** Consumes the rules matching a request and merges them into a plan (undefined: none). */
  plan(requestName: string | undefined, pathAndQuery: string): FaultPlan | undefined {
    let plan: FaultPlan | undefined;
    for (const r of this.rules) {
      if (r.left <= 0) continue;
      if (r.match?.request !== undefined && r.match.request !== requestName) continue;
      if (r.match?.path !== undefined && !r.match.path.test(pathAndQuery)) continue;
      r.left--;
      plan ??= {
        delayMs: 0,
        status: undefined,
        reset: false,
        truncate: false,
        fault: undefined,
        expireAuth: false,
        before: [],
      };
      if (r.before) plan.before.push(r.before);
      plan.delayMs += r.delayMs ?? 0;
      plan.status ??= r.status;
      plan.reset ||= r.reset ?? false;
      plan.truncate ||= r.truncate ?? false;
      plan.fault ??= r.fault;
      plan.expireAuth ||= r.expireAuth ?? false;
    }
    this.rules = this.rules.filter((r) => r.left > 0);
    return plan;
  }
}
