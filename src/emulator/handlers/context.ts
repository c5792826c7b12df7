/**
 * What a SOAP handler sees: the emulator's state, which port the request came in on, the
 * resolved authentication and the target mailbox (`<account by>` header or the token's own).
 */
import type { AccountEntry, Directory } from '../model/directory.js';
import type { AuthTokens, TokenClaims } from '../model/auth-token.js';
import type { Upload, Uploads } from '../model/uploads.js';
import type { WaitSetManager } from '../model/waitsets.js';
import type { DosFilter } from '../http/dos-filter.js';
import { Element } from '../wire/element.js';
import { faults } from '../wire/soap-fault.js';

/** Namespaces (`AccountConstants`, `AdminConstants`, `MailConstants`). */
export const NS = {
  account: 'urn:zimbraAccount',
  admin: 'urn:zimbraAdmin',
  mail: 'urn:zimbraMail',
  zimbra: 'urn:zimbra',
} as const;

/** Server-wide state shared by all handlers. */
export interface EmulatorState {
  directory: Directory;
  tokens: AuthTokens;
  waitSets: WaitSetManager;
  uploads: Uploads;
  /** User token lifetime in ms (`zimbraAuthTokenLifetime`). */
  authTokenLifetimeMs: number;
  /** Admin token lifetime in ms (`zimbraAdminAuthTokenLifetime`). */
  adminAuthTokenLifetimeMs: number;
  mailUrl: string;
  adminUrl: string;
  /** Upload size limits in bytes (0: none): `zimbraMtaMaxMessageSize`, `zimbraFileUploadMaxSize` (with `lbfums`). */
  uploadLimits: { mtaMaxMessageSize: number; fileUploadMaxSize: number };
  /** Zimbra's DoSFilter rate limit (off unless configured; dos-filter.ts). */
  dosFilter?: DosFilter;
  /** Qualify ids on behalf of another mailbox even under `<noqualify/>` (test switch, item-ids.ts). */
  ignoreNoQualify?: boolean;
  /** Localconfig `notes_enabled` (LC.java, default false): MailService registers the note commands only then. */
  notesEnabled?: boolean;
}

/** Per-request context. */
export interface SoapContext {
  readonly state: EmulatorState;
  readonly port: 'mail' | 'admin';
  readonly header: Element | undefined;
  /** Token from the header or the cookie, if any. */
  readonly token: string | undefined;
  /** Treat any token as expired (fault injection). */
  readonly expireAuth: boolean;
  /** Runs a nested request (BatchRequest members). */
  dispatch(req: Element): Promise<Element>;
}

/** The signature of every handler. */
export type Handler = (req: Element, ctx: SoapContext) => Element | Promise<Element>;

/** A registered SOAP command. */
export interface HandlerSpec {
  /** Request element name, e.g. `SyncRequest`. */
  name: string;
  /** Request namespace. */
  ns: string;
  /** Only served on the admin port. */
  adminPort?: boolean;
  /** Registered only when this holds for the server's state (MailService.java registers some commands conditionally). */
  enabled?: (state: EmulatorState) => boolean;
  handle: Handler;
}

/** The response element for a request (`XRequest` becomes `XResponse`). */
export function response(req: Element, ns: string): Element {
  return new Element(req.name.replace(/Request$/, 'Response'), ns);
}

/** Verifies the request's token (`service.AUTH_REQUIRED` / `service.AUTH_EXPIRED`). */
export function claims(ctx: SoapContext): TokenClaims {
  if (ctx.token === undefined || ctx.token === '') throw faults.authRequired();
  const c = ctx.state.tokens.verify(ctx.token);
  if (ctx.expireAuth) throw faults.authExpired();
  return c;
}

/** The authenticated account. */
export function authAccount(ctx: SoapContext): AccountEntry {
  const c = claims(ctx);
  const acct = ctx.state.directory.findAccount(c.accountId);
  if (!acct) throw faults.authRequired();
  return acct;
}

/** The authenticated admin (admin token on the admin port, `service.PERM_DENIED` otherwise). */
export function requireAdmin(ctx: SoapContext): AccountEntry {
  const c = claims(ctx);
  const acct = authAccount(ctx);
  if (!c.admin || !acct.isAdmin || ctx.port !== 'admin') throw faults.permDenied('need admin token');
  return acct;
}

/** The mailbox a mail command acts on: the `<account by>` header (admins only) or the token's account. */
export function targetAccount(ctx: SoapContext): AccountEntry {
  const c = claims(ctx);
  const self = authAccount(ctx);
  const spec = ctx.header?.child('account');
  if (!spec || spec.content === undefined) return self;
  const by = spec.get('by') ?? 'name';
  const key = spec.content;
  if ((by === 'id' && key === self.id) || (by !== 'id' && key.toLowerCase() === self.name)) return self;
  if (!c.admin || !self.isAdmin) throw faults.permDenied(`can not access account ${key}`);
  const target = ctx.state.directory.findAccount(key);
  if (!target) throw faults.noSuchAccount(key);
  return target;
}

/**
 * Takes an upload by aid. Zimbra fetches uploads by the auth token's account
 * (`FileUploadServlet.fetchUpload(zsc.getAuthtokenAccountId(), ...)`), not the target mailbox,
 * so an admin acting on a mailbox uses its own uploads.
 */
export function takeUpload(ctx: SoapContext, aid: string): Upload {
  return ctx.state.uploads.take(claims(ctx).accountId, aid);
}

/** Reads `<account by="name|id">value</account>` of a request. */
export function accountSelector(req: Element, child = 'account'): { by: string; key: string } | undefined {
  const el = req.child(child);
  if (!el || el.content === undefined) return undefined;
  return { by: el.get('by') ?? 'name', key: el.content };
}

/** Reads `a[]` (`<a n="k">v</a>`) and `_attrs` from a request into a multi-valued map. */
export function requestAttrs(req: Element): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  const push = (k: string, v: string): void => void (out[k] ??= []).push(v);
  for (const a of req.all('a')) {
    const n = a.get('n');
    if (n !== undefined) push(n, a.content ?? '');
  }
  for (const [k, v] of req.kv) push(k, v);
  return out;
}

/** Splits an `id="1,2,3"` list into numbers (`service.INVALID_REQUEST` on junk). */
export function idList(value: string | undefined): number[] {
  if (value === undefined || value.trim() === '') throw faults.invalidRequest('missing id');
  return value.split(',').map((s) => {
    const n = Number(s.trim());
    if (!Number.isInteger(n)) throw faults.invalidRequest(`invalid item id: ${s}`);
    return n;
  });
}
