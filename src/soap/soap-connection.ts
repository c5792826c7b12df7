/**
 * The connection half of `ZimbraClient`: options, HTTP agents, auth sessions (admin, user,
 * delegated), token renewal, retries, and the generic `send()` dispatch. The typed convenience
 * methods live in zimbra-client.ts.
 * @module
 */
import type { AxiosInstance, CreateAxiosDefaults } from 'axios';
import { ZimbraBackupError } from '../errors.js';
import { resolveLogger, type Logger } from '../internal/logger.js';
import { toSecret, type Secret } from '../internal/secret.js';
import { child, type SoapElement } from './element.js';
import { AuthExpiredError, faultToError } from './faults.js';
import { statusError } from './http/errors.js';
import { HttpClient, type HttpRequestOptions, type HttpResponse, type TlsOptions } from './http/http-client.js';
import type { ProxyOptions } from './http/proxy.js';
import { AdminAuth, Auth, type AuthResult } from './requests/auth.js';
import { DelegateAuth } from './requests/delegate-auth.js';
import { responseNameOf, toSelector, type SoapRequestDefinition } from './requests/definition.js';
import { GetAccount } from './requests/get-account.js';
import { hasQualifiedIds, unqualifyItemIds } from './qualified-ids.js';
import { abortableSleep } from '../internal/abortable-sleep.js';
import { retryDelay, type RetryPolicy } from './retry.js';
import { JsonTransport } from './transports/json.js';
import type { AccountSelector, SoapTransport } from './transports/transport.js';
import { invalidOptionOf } from '../internal/invalid-argument.js';

const invalid = invalidOptionOf('invalid option');

/** Options of `ZimbraClient` (one object, validated in the constructor). */
export interface ZimbraClientOptions {
  /** Mail base URL, e.g. `https://mail.example.com` or `http://127.0.0.1:8080` (no `/service`). */
  url: string;
  /** Admin base URL, e.g. `https://mail.example.com:7071`. Needed for admin calls. */
  adminUrl?: string;
  /** Wire encoding. Default `json`. */
  transport?: 'json' | 'xml';
  /** Time allowed for the server to start answering, and longest silence while a body streams, in ms. Default 60000. */
  timeoutMs?: number;
  /**
   * Retries after the first attempt on network errors, HTTP 429/502/503/504 and
   * `service.TEMPORARILY_UNAVAILABLE` (requests that create something: only when the server cannot
   * have applied them, e.g. a 429 from Zimbra's DoSFilter). Default 3.
   */
  retries?: number;
  /** First backoff delay in ms (doubles each retry, with jitter). Default 250. */
  retryBaseDelayMs?: number;
  /** Largest backoff delay in ms (a server's `Retry-After` is honoured as sent, up to `retryAfterMaxMs`). Default 10000. */
  retryMaxDelayMs?: number;
  /** TLS: custom CA or (tests only) `insecure`. Verification is on by default. */
  tls?: TlsOptions;
  /**
   * The embedder's axios instance (its interceptors see every SOAP and REST request), or a config
   * for the instance the client creates. Default: a new instance. Agents set on it are used as
   * they are (then `tls` and `maxSocketsPerHost` do not apply to that scheme).
   */
  axios?: AxiosInstance | CreateAxiosDefaults;
  /**
   * Proxy: `{ httpProxy, httpsProxy, noProxy }` (`proxyFromEnv(process.env)` reads the usual
   * environment variables; the library itself reads no environment), or `false` for direct connections.
   * Default: direct, unless `axios` is given, in which case axios's own proxy handling applies.
   * `https://` servers are reached through a CONNECT tunnel (TLS end to end, pooled).
   */
  proxy?: ProxyOptions | false;
  /** Connections per host and scheme (keep-alive pool bound). Default 32. */
  maxSocketsPerHost?: number;
  /** Longest wait a `Retry-After` header may ask for, in ms; a longer one fails at once with the hint in `retryAfterMs`. Default 120000. */
  retryAfterMaxMs?: number;
  /** `userAgent` sent in the SOAP context and the HTTP header. Default `zimbra-backup`. */
  userAgent?: string;
  /** Logger (pino-compatible); `false` or absent: silent. Never receives secrets. */
  logger?: Logger | false;
  /** Largest SOAP response accepted, in bytes. Default 512 MiB. */
  maxResponseBytes?: number;
  /** Renew a token this long before its known expiry, in ms. Default 60000. */
  renewMarginMs?: number;
}

/** Per-call options of `send()` and every convenience method. */
export interface SendOptions {
  /** Act on this mailbox (`<account by>` context header); as admin, uses the admin URL (PROTOCOL.md 1c). */
  account?: string | AccountSelector;
  /** Aborts the call (`ZB_ABORTED`). */
  signal?: AbortSignal;
  /** Overrides the client's `timeoutMs` for this call. */
  timeoutMs?: number;
}

/** What an auth call reports (the token itself stays inside the client). */
export interface AuthInfo {
  /** Token lifetime in ms, when the server sent it. */
  lifetimeMs: number | undefined;
  /** Epoch ms when the token expires, when known. */
  expiresAt: number | undefined;
}

/** Where and how the REST layer reaches a mailbox (token kept inside closures, never enumerable). */
export interface RestTarget {
  /** Server base URL (mail or admin port). */
  baseUrl: URL;
  /** Path segment after `/service/home/`: `~` or the URL-encoded account name. */
  accountPath: string;
  /** True when authenticated as admin (cookie `ZM_ADMIN_AUTH_TOKEN`). */
  admin: boolean;
  /** The `Cookie` header value; reveal only to send it. */
  cookie(): Secret;
  /** Renews the token once after an HTTP 401 (no-op when another call already did). */
  renew(signal?: AbortSignal): Promise<void>;
}

interface Session {
  kind: 'admin' | 'user';
  token: Secret;
  expiresAt: number | undefined;
  /** When to renew ahead of expiry (at most half the lifetime early, so short tokens are not renewed on every call). */
  renewAt: number | undefined;
  renew: ((signal?: AbortSignal) => Promise<AuthResult>) | undefined;
  pending?: Promise<void> | undefined;
}

function parseBaseUrl(value: string, field: string): URL {
  let u: URL;
  try {
    u = new URL(value);
  } catch {
    throw invalid(field, 'not a URL');
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw invalid(field, 'must be http(s)');
  u.pathname = u.pathname.replace(/\/+$/, '').replace(/\/service$/, '');
  return u;
}

function nonNegative(v: number | undefined, field: string, dflt: number): number {
  if (v === undefined) return dflt;
  if (!Number.isFinite(v) || v < 0) throw invalid(field, 'must be a non-negative number');
  return v;
}

/** Connection, auth and dispatch for Zimbra SOAP; extended by `ZimbraClient`. */
export class SoapConnection {
  /** Mail base URL. */
  readonly url: URL;
  /** Admin base URL, if configured. */
  readonly adminUrl: URL | undefined;
  /** Default deadline in ms (see {@link ZimbraClientOptions.timeoutMs}). */
  readonly timeoutMs: number;
  /** Retry policy shared with the REST layer. */
  readonly retryPolicy: RetryPolicy;
  /** The resolved logger (for the REST layer). */
  readonly logger: Logger;
  readonly #options: ZimbraClientOptions;
  #http: HttpClient;
  #ownsHttp = true;
  readonly #format: 'json' | 'xml';
  /** The codec, built on the first exchange (the XML one loads fast-xml-parser: only when asked for). */
  #transport: SoapTransport | undefined;
  readonly #userAgent: string;
  readonly #maxResponseBytes: number;
  readonly #renewMarginMs: number;
  #admin: Session | undefined;
  #user: Session | undefined;
  readonly #names = new Map<string, string>();
  /** Lower-cased account name -> zimbraId (for checking qualified ids). */
  readonly #ids = new Map<string, string>();

  constructor(options: ZimbraClientOptions) {
    if (typeof options !== 'object' || options === null) throw invalid('options', 'expected an object');
    this.#options = options;
    this.url = parseBaseUrl(options.url, 'url');
    this.adminUrl = options.adminUrl === undefined ? undefined : parseBaseUrl(options.adminUrl, 'adminUrl');
    if (options.transport !== undefined && options.transport !== 'json' && options.transport !== 'xml')
      throw invalid('transport', "must be 'json' or 'xml'");
    this.#format = options.transport === 'xml' ? 'xml' : 'json';
    this.timeoutMs = nonNegative(options.timeoutMs, 'timeoutMs', 60_000) || 60_000;
    this.retryPolicy = {
      retries: Math.floor(nonNegative(options.retries, 'retries', 3)),
      baseDelayMs: nonNegative(options.retryBaseDelayMs, 'retryBaseDelayMs', 250),
      maxDelayMs: nonNegative(options.retryMaxDelayMs, 'retryMaxDelayMs', 10_000),
      retryAfterMaxMs: nonNegative(options.retryAfterMaxMs, 'retryAfterMaxMs', 120_000),
    };
    this.#maxResponseBytes = nonNegative(options.maxResponseBytes, 'maxResponseBytes', 512 * 1024 * 1024);
    this.#renewMarginMs = nonNegative(options.renewMarginMs, 'renewMarginMs', 60_000);
    this.#userAgent = options.userAgent ?? 'zimbra-backup';
    this.logger = resolveLogger(options.logger);
    this.#http = new HttpClient({
      tls: options.tls,
      axios: options.axios,
      proxy: options.proxy,
      maxSocketsPerHost: options.maxSocketsPerHost,
      logger: this.logger,
    });
  }

  /** The wire encoding in use. */
  get transport(): 'json' | 'xml' {
    return this.#format;
  }

  /** True once an admin token is held. */
  get hasAdminAuth(): boolean {
    return this.#admin !== undefined;
  }

  /** True once a user (or delegated) token is held. */
  get hasUserAuth(): boolean {
    return this.#user !== undefined;
  }

  /** Authenticates as admin (urn:zimbraAdmin AuthRequest on `adminUrl`); renews itself on expiry. */
  async authAdmin(name: string, password: string | Secret, opts: { signal?: AbortSignal } = {}): Promise<AuthInfo> {
    if (!this.adminUrl) throw invalid('adminUrl', 'required for admin authentication');
    const secret = toSecret(password);
    const renew = (signal?: AbortSignal): Promise<AuthResult> =>
      this.#authCall(AdminAuth, { name, password: secret }, signal);
    const r = await renew(opts.signal);
    this.#admin = this.#session('admin', r, renew);
    return { lifetimeMs: r.lifetimeMs, expiresAt: this.#admin.expiresAt };
  }

  /** Authenticates as a user (urn:zimbraAccount AuthRequest on `url`); renews itself on expiry. */
  async authUser(
    account: string | AccountSelector,
    password: string | Secret,
    opts: { signal?: AbortSignal } = {},
  ): Promise<AuthInfo> {
    const secret = toSecret(password);
    const renew = (signal?: AbortSignal): Promise<AuthResult> =>
      this.#authCall(Auth, { account, password: secret }, signal);
    const r = await renew(opts.signal);
    this.#user = this.#session('user', r, renew);
    return { lifetimeMs: r.lifetimeMs, expiresAt: this.#user.expiresAt };
  }

  /**
   * Returns a client acting as `account` with a delegated token (DelegateAuthRequest), sharing
   * this client's connections; it renews through this (admin) client.
   */
  async delegateAuth(
    account: string | AccountSelector,
    opts: { durationSeconds?: number; signal?: AbortSignal } = {},
  ): Promise<this> {
    const params = {
      account,
      ...(opts.durationSeconds === undefined ? {} : { durationSeconds: opts.durationSeconds }),
    };
    const renew = (signal?: AbortSignal): Promise<AuthResult> =>
      this.send(DelegateAuth, params, signal ? { signal } : {});
    const first = await renew(opts.signal);
    const Ctor = this.constructor as new (o: ZimbraClientOptions) => this;
    const delegated = new Ctor(this.#options);
    delegated.#http.close();
    delegated.#http = this.#http;
    delegated.#ownsHttp = false;
    delegated.#user = this.#session('user', first, renew);
    return delegated;
  }

  /**
   * Returns a client whose admin URL is another mailbox server's (WaitSets are local to one
   * server and never proxied), sharing this client's connections and admin session: a renewal
   * through either is seen by both.
   */
  forAdminServer(adminUrl: string): this {
    const Ctor = this.constructor as new (o: ZimbraClientOptions) => this;
    const other = new Ctor({ ...this.#options, adminUrl });
    other.#http.close();
    other.#http = this.#http;
    other.#ownsHttp = false;
    other.#admin = this.#admin;
    return other;
  }

  /** Uses an existing token (e.g. from preauth); it cannot be renewed by the client. */
  useAuthToken(token: string | Secret, opts: { admin?: boolean; lifetimeMs?: number } = {}): void {
    const s: Session = {
      kind: opts.admin ? 'admin' : 'user',
      token: toSecret(token),
      ...this.#expiry(opts.lifetimeMs),
      renew: undefined,
    };
    if (opts.admin) this.#admin = s;
    else this.#user = s;
  }

  /**
   * Sends one typed request and returns its parsed result. Routing: admin definitions go to the
   * admin URL; mail/account ones go to the mail URL with the user token, or, with `account` and an
   * admin token, to the admin URL with the `<account>` header. On `service.AUTH_EXPIRED` or
   * `AUTH_REQUIRED` the token is renewed once and the call repeated.
   * @throws `ZB_SOAP_FAULT` (a {@link SoapFaultError}), `ZB_PROTOCOL`, `ZB_TRANSPORT`, `ZB_TIMEOUT`, `ZB_ABORTED`, `ZB_AUTH`.
   */
  async send<P, R>(def: SoapRequestDefinition<P, R>, params: P, opts: SendOptions = {}): Promise<R> {
    const account = opts.account === undefined ? undefined : toSelector(opts.account);
    const { endpoint, session } = this.#route(def, account !== undefined);
    const body = def.build(params);
    const timeoutMs = Math.max(opts.timeoutMs ?? this.timeoutMs, def.minTimeoutMs?.(params) ?? 0);
    let renewed = false;
    for (;;) {
      if (session?.renew && session.renewAt !== undefined && Date.now() >= session.renewAt) {
        await this.#renew(session, session.token, opts.signal);
      }
      const token = session?.token;
      try {
        const response = await this.#exchange(def, endpoint, body, { token, account, timeoutMs, signal: opts.signal });
        if (account && hasQualifiedIds(response)) {
          unqualifyItemIds(response, await this.#idOf(account, session, opts.signal), def.name);
        }
        return this.#parse(def, response, params);
      } catch (err) {
        if (err instanceof AuthExpiredError && session?.renew && token && !renewed) {
          renewed = true;
          this.logger.info({ request: def.name, faultCode: err.faultCode }, 'auth token refused; renewing once');
          await this.#renew(session, token, opts.signal);
          continue;
        }
        throw err;
      }
    }
  }

  /**
   * The axios instance every SOAP and REST request of this client goes through (the embedder's,
   * when one was given): add interceptors here.
   */
  get axios(): AxiosInstance {
    return this.#http.axios;
  }

  /** Sends an HTTP request with this client's agents, TLS settings and timeouts (for the REST layer). */
  openHttp(
    req: Omit<HttpRequestOptions, 'headersTimeoutMs' | 'idleTimeoutMs'> & { timeoutMs?: number },
  ): Promise<HttpResponse> {
    const t = req.timeoutMs ?? this.timeoutMs;
    return this.#http.request({ ...req, headersTimeoutMs: t, idleTimeoutMs: t });
  }

  /**
   * Resolves where REST calls for `account` go: as admin, the admin port and
   * `/service/home/<name>/` (a zimbraId is resolved to the name once, with GetAccount); as a user,
   * the mail port and `~` (or the name of a shared mailbox).
   */
  async restTarget(account?: string | AccountSelector, opts: { signal?: AbortSignal } = {}): Promise<RestTarget> {
    const sel = account === undefined ? undefined : toSelector(account);
    const session = sel && this.#admin ? this.#admin : (this.#user ?? this.#admin);
    if (!session)
      throw new ZimbraBackupError('not authenticated: call authAdmin or authUser first', { code: 'ZB_AUTH' });
    const admin = session.kind === 'admin';
    const baseUrl = admin ? (this.adminUrl as URL) : this.url;
    let accountPath = '~';
    if (sel) {
      const name = sel.by === 'name' ? sel.value : await this.#nameOf(sel.value, admin, opts.signal);
      accountPath = encodeURIComponent(name);
    }
    const cookieName = admin ? 'ZM_ADMIN_AUTH_TOKEN' : 'ZM_AUTH_TOKEN';
    return {
      baseUrl,
      accountPath,
      admin,
      cookie: () => toSecret(`${cookieName}=${session.token.reveal()}`),
      renew: async (signal) => {
        if (!session.renew)
          throw new ZimbraBackupError('auth token refused and cannot be renewed', { code: 'ZB_AUTH' });
        await this.#renew(session, session.token, signal);
      },
    };
  }

  /** Closes idle keep-alive connections (a delegated client leaves its parent's open). */
  close(): void {
    if (this.#ownsHttp) this.#http.close();
  }

  async #nameOf(id: string, admin: boolean, signal?: AbortSignal): Promise<string> {
    const known = this.#names.get(id);
    if (known) return known;
    if (!admin)
      throw invalid('account', 'REST paths need an account name; a zimbraId is resolved only with admin auth');
    const acct = await this.send(
      GetAccount,
      { account: { by: 'id', value: id }, attrs: ['zimbraId'] },
      signal ? { signal } : {},
    );
    this.#names.set(id, acct.name);
    return acct.name;
  }

  /**
   * The zimbraId of an on-behalf target, needed to check qualified ids (qualified-ids.ts). By id:
   * the selector itself; by name: resolved once with GetAccount, which needs an admin token.
   */
  async #idOf(account: AccountSelector, session: Session | undefined, signal?: AbortSignal): Promise<string> {
    if (account.by === 'id') return account.value;
    const key = account.value.toLowerCase();
    const known = this.#ids.get(key);
    if (known) return known;
    if (session?.kind !== 'admin')
      throw new ZimbraBackupError(
        `cannot verify qualified item ids for ${account.value}: select the account by zimbraId, or use an admin token`,
        { code: 'ZB_PROTOCOL', data: { account: account.value } },
      );
    const acct = await this.send(GetAccount, { account, attrs: ['zimbraId'] }, signal ? { signal } : {});
    this.#ids.set(key, acct.id);
    this.#names.set(acct.id, acct.name);
    return acct.id;
  }

  #session(kind: 'admin' | 'user', r: AuthResult, renew: Session['renew']): Session {
    return { kind, token: r.authToken, ...this.#expiry(r.lifetimeMs), renew };
  }

  #expiry(lifetimeMs: number | undefined): { expiresAt: number | undefined; renewAt: number | undefined } {
    if (lifetimeMs === undefined || lifetimeMs <= 0) return { expiresAt: undefined, renewAt: undefined };
    const now = Date.now();
    return { expiresAt: now + lifetimeMs, renewAt: now + lifetimeMs - Math.min(this.#renewMarginMs, lifetimeMs / 2) };
  }

  async #renew(session: Session, staleToken: Secret, signal?: AbortSignal): Promise<void> {
    if (session.token !== staleToken) return;
    if (!session.pending) {
      const renew = session.renew;
      if (!renew) throw new ZimbraBackupError('auth token expired and cannot be renewed', { code: 'ZB_AUTH' });
      session.pending = renew(signal)
        .then((r) => {
          session.token = r.authToken;
          Object.assign(session, this.#expiry(r.lifetimeMs));
        })
        .finally(() => {
          session.pending = undefined;
        });
    }
    await session.pending;
  }

  async #authCall<P>(def: SoapRequestDefinition<P, AuthResult>, params: P, signal?: AbortSignal): Promise<AuthResult> {
    const endpoint = this.#route(def, false).endpoint;
    const response = await this.#exchange(def, endpoint, def.build(params), {
      token: undefined,
      account: undefined,
      timeoutMs: this.timeoutMs,
      signal,
    });
    return this.#parse(def, response, params);
  }

  #route(
    def: SoapRequestDefinition<unknown, unknown>,
    withAccount: boolean,
  ): { endpoint: URL; session: Session | undefined } {
    const adminEndpoint = (): URL => {
      if (!this.adminUrl) throw invalid('adminUrl', `required for ${def.name} as admin`);
      return new URL('/service/admin/soap', this.adminUrl);
    };
    if (def.admin) {
      if (def.noAuth) return { endpoint: adminEndpoint(), session: undefined };
      if (!this.#admin)
        throw new ZimbraBackupError(`${def.name} needs admin auth: call authAdmin first`, { code: 'ZB_AUTH' });
      return { endpoint: adminEndpoint(), session: this.#admin };
    }
    const mail = new URL('/service/soap', this.url);
    if (def.noAuth) return { endpoint: mail, session: undefined };
    if (withAccount && this.#admin) return { endpoint: adminEndpoint(), session: this.#admin };
    if (this.#user) return { endpoint: mail, session: this.#user };
    if (this.#admin) return { endpoint: adminEndpoint(), session: this.#admin };
    throw new ZimbraBackupError(`${def.name} needs auth: call authUser or authAdmin first`, { code: 'ZB_AUTH' });
  }

  #parse<P, R>(def: SoapRequestDefinition<P, R>, response: SoapElement, params: P): R {
    try {
      return def.parse(response, params);
    } catch (err) {
      if (err instanceof ZimbraBackupError) throw err;
      throw new ZimbraBackupError(`malformed ${responseNameOf(def)}`, {
        code: 'ZB_PROTOCOL',
        cause: err,
        data: { request: def.name },
      });
    }
  }

  async #exchange(
    def: SoapRequestDefinition<never, unknown>,
    endpoint: URL,
    body: SoapElement,
    ctx: {
      token: Secret | undefined;
      account: AccountSelector | undefined;
      timeoutMs: number;
      signal: AbortSignal | undefined;
    },
  ): Promise<SoapElement> {
    this.#transport ??=
      this.#format === 'xml' ? new (await import('./transports/xml.js')).XmlTransport() : new JsonTransport();
    const transport = this.#transport;
    const payload = transport.encode({
      name: def.name,
      namespace: def.namespace,
      body,
      context: {
        ...(ctx.token ? { authToken: ctx.token } : {}),
        ...(ctx.account ? { account: ctx.account } : {}),
        userAgent: { name: this.#userAgent },
      },
    });
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.#exchangeOnce(transport, def, endpoint, payload, ctx.timeoutMs, ctx.signal);
      } catch (err) {
        const delay = retryDelay(err, attempt + 1, def.idempotent !== false, this.retryPolicy);
        if (delay === undefined) throw err;
        this.logger.warn(
          { request: def.name, attempt: attempt + 1, delayMs: delay, code: (err as ZimbraBackupError).code },
          'retrying SOAP request',
        );
        await abortableSleep(delay, ctx.signal);
      }
    }
  }

  async #exchangeOnce(
    transport: SoapTransport,
    def: SoapRequestDefinition<never, unknown>,
    endpoint: URL,
    payload: string,
    timeoutMs: number,
    signal?: AbortSignal,
  ): Promise<SoapElement> {
    const started = Date.now();
    const res = await this.#http.request({
      method: 'POST',
      url: endpoint,
      headers: {
        'content-type': transport.contentType,
        'user-agent': this.#userAgent,
        'content-length': String(Buffer.byteLength(payload)),
      },
      body: payload,
      ...(signal ? { signal } : {}),
      headersTimeoutMs: timeoutMs,
      idleTimeoutMs: timeoutMs,
    });
    if (res.status !== 200 && res.status !== 500) {
      res.body.resume();
      throw statusError(res, def.name);
    }
    const text = await this.#http.readText(res, this.#maxResponseBytes, def.name);
    this.logger.debug(
      { request: def.name, path: endpoint.pathname, status: res.status, ms: Date.now() - started },
      'SOAP call',
    );
    const env = transport.decode(text);
    const fault = child(env.body, 'Fault');
    if (fault) throw faultToError(fault, { request: def.name });
    if (res.status === 500)
      throw new ZimbraBackupError(`${def.name}: HTTP 500 without a SOAP fault`, {
        code: 'ZB_PROTOCOL',
        data: { status: 500 },
      });
    const name = responseNameOf(def);
    const response = child(env.body, name);
    if (!response)
      throw new ZimbraBackupError(`malformed response: no ${name} in the SOAP Body`, {
        code: 'ZB_PROTOCOL',
        data: { request: def.name },
      });
    return response;
  }
}
