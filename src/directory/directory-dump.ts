/**
 * Paged dump of a Zimbra directory over LDAP (ldapts `searchPaginated`, RFC 2696 paging).
 * @module
 */
import type { ConnectionOptions } from 'node:tls';
import { Client, type Entry, ResultCodeError } from 'ldapts';
import { ZimbraBackupError, isRetryable, throwIfAborted } from '../errors.js';
import { resolveLogger, type Logger } from '../internal/logger.js';
import { toSecret, type Secret } from '../internal/secret.js';
import {
  BINARY_ATTRIBUTES,
  DEFAULT_OPERATIONAL_ATTRIBUTES,
  classifyEntry,
  getAttributeValues,
  normalizeValue,
  orderParentsFirst,
  type DirectoryEntry,
  type DirectoryEntryKind,
  type DirectoryValue,
} from './directory-entry.js';

export { DEFAULT_OPERATIONAL_ATTRIBUTES };

/** Options of {@link dumpDirectory}. */
export interface DirectoryDumpOptions {
  /** LDAP URL, `ldap://host:389` or `ldaps://host:636` (Zimbra: `ldap_url` in localconfig). */
  url: string;
  /** DN to bind as, e.g. `uid=zimbra,cn=admins,cn=zimbra` (Zimbra: `zimbra_ldap_userdn`). */
  bindDN: string;
  /** Bind password; never logged or put in an error. */
  password: Secret | string;
  /**
   * Search bases, non-overlapping. Default `['']`: Zimbra's slapd holds the whole tree in one
   * database with the empty suffix, and Zimbra itself searches domains from the empty DN.
   */
  baseDNs?: string[];
  /** TLS options for `ldaps://` and for `startTLS`. Default: Node's. */
  tlsOptions?: ConnectionOptions;
  /** Upgrade an `ldap://` connection with StartTLS before binding. Default false. */
  startTLS?: boolean;
  /** Entries per page of the paged-results control. Default 500. */
  pageSize?: number;
  /** Timeout of each LDAP operation (one page), in ms. Default 60,000. */
  timeoutMs?: number;
  /** TCP connect timeout, in ms. Default 10,000. */
  connectTimeoutMs?: number;
  /** Operational attributes to request besides all user attributes. Default {@link DEFAULT_OPERATIONAL_ATTRIBUTES}. */
  operationalAttributes?: readonly string[];
  /** More attributes whose values must stay bytes (besides `BINARY_ATTRIBUTES` and `;binary`). */
  binaryAttributes?: readonly string[];
  /** Aborts the dump between pages (and the page in flight, by closing the connection). */
  signal?: AbortSignal;
  /** Called for every entry yielded; `loaded` counts entries so far. */
  onProgress?: (progress: { phase: 'ldap'; loaded: number; kind: DirectoryEntryKind }) => void;
  /** Logger; default silent. */
  logger?: Logger | false;
}

const LEAF_CLASSES = ['zimbraAccount', 'zimbraDistributionList', 'zimbraGroup', 'zimbraAlias'];
const CHILD_CLASSES = [
  'zimbraIdentity',
  'zimbraSignature',
  'zimbraDataSource',
  'zimbraGroupDynamicUnit',
  'zimbraGroupStaticUnit',
];

/**
 * The streamed passes, in restore order (parents before children): accounts (with calendar
 * resources), lists, dynamic groups, aliases, then the entries that live under them. Each entry
 * belongs to the first pass whose classes it has; later passes skip it client-side, because a
 * negated filter on a class the server does not define is Undefined in LDAP and matches nothing.
 */
const PASSES: ReadonlyArray<readonly string[]> = [...LEAF_CLASSES.map((c) => [c]), CHILD_CLASSES];

function positiveFilter(classes: readonly string[]): string {
  const parts = classes.map((c) => `(objectClass=${c})`);
  return parts.length === 1 ? parts[0]! : `(|${parts.join('')})`;
}

function hasAnyClass(entry: DirectoryEntry, classesLC: ReadonlySet<string>): boolean {
  return getAttributeValues(entry, 'objectClass').some((v) => classesLC.has(String(v).toLowerCase()));
}

/** Object-class names the server's subschema defines (lower case), or undefined when unreadable. */
async function definedClasses(client: Client): Promise<Set<string> | undefined> {
  try {
    const root = await client.search('', {
      scope: 'base',
      filter: '(objectClass=*)',
      attributes: ['subschemaSubentry'],
    });
    const sub = root.searchEntries[0]?.['subschemaSubentry'];
    const dn = (Array.isArray(sub) ? sub[0] : sub)?.toString() || 'cn=Subschema';
    const res = await client.search(dn, {
      scope: 'base',
      filter: '(objectClass=subschema)',
      attributes: ['objectClasses'],
    });
    const raw = res.searchEntries[0]?.['objectClasses'];
    const defs = (Array.isArray(raw) ? raw : raw === undefined ? [] : [raw]).map(String);
    const names = new Set<string>();
    for (const d of defs) {
      const m = /NAME\s+(?:'([^']+)'|\(([^)]*)\))/.exec(d);
      for (const n of (m?.[1] ?? m?.[2] ?? '').match(/[^\s']+/g) ?? []) names.add(n.toLowerCase());
    }
    return names.size ? names : undefined;
  } catch {
    return undefined;
  }
}

/** Wraps an ldapts or socket error in a `ZB_LDAP` error; the password is never part of it. */
export class LdapError extends ZimbraBackupError {
  override name = 'LdapError';
  /** LDAP result code (RFC 4511), when the server answered with one. */
  readonly resultCode: number | undefined;
  /** True for failures worth retrying (connection lost, busy, unavailable, timeouts). */
  readonly retryable: boolean;

  constructor(op: string, err: unknown, data: Record<string, unknown>) {
    const resultCode = err instanceof ResultCodeError ? err.code : undefined;
    const reason = err instanceof Error ? err.message : String(err);
    super(`LDAP ${op} failed: ${reason}${resultCode === undefined ? '' : ` (result code ${resultCode})`}`, {
      code: 'ZB_LDAP',
      cause: err,
      data: { ...data, op, ...(resultCode === undefined ? {} : { resultCode }) },
    });
    this.resultCode = resultCode;
    // 3 timeLimitExceeded, 51 busy, 52 unavailable; without a result code, the socket error decides.
    this.retryable = resultCode === undefined ? isRetryable(err) : [3, 51, 52].includes(resultCode);
  }
}

function toEntry(raw: Entry, binary: ReadonlySet<string>): DirectoryEntry {
  const attributes: Record<string, DirectoryValue[]> = {};
  for (const [name, value] of Object.entries(raw)) {
    const list = Array.isArray(value) ? value : [value];
    // ldapts adds every requested name (even '*') with [] when the server sent none.
    if (name === 'dn' || list.length === 0) continue;
    attributes[name] = list.map((v) => normalizeValue(name, v, binary));
  }
  const record = { dn: raw.dn, attributes };
  return { ...record, kind: classifyEntry(record) };
}

/**
 * Settles with `p`, or rejects with `ZB_ABORTED` as soon as `signal` aborts: ldapts leaves an
 * operation pending forever when its connection is closed under it, so the abort must not wait.
 */
async function raceAbort<T>(p: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return p;
  throwIfAborted(signal);
  let onAbort: (() => void) | undefined;
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => reject(new ZimbraBackupError('operation aborted', { code: 'ZB_ABORTED', cause: signal.reason }));
    signal.addEventListener('abort', onAbort, { once: true });
  });
  p.catch(() => undefined);
  try {
    return await Promise.race([p, aborted]);
  } finally {
    signal.removeEventListener('abort', onAbort!);
  }
}

/** Strips any `user:password@` part of a URL before it goes to a log or an error. */
function safeUrl(url: string): string {
  return url.replace(/\/\/[^/@]*@/, '//');
}

/**
 * Dumps a Zimbra directory as an async iterable of entries, parents before children, so the
 * entries can be written to LDIF and loaded back with `ldapadd`/`slapadd` in order.
 *
 * Algorithm: bind; search every base for everything that is not an account, list, group, alias
 * or a child of one (configuration, servers, COS, domains, containers: few) and buffer it, sorted
 * by depth; yield those whose parent is a base or was yielded, holding back the rest; then page
 * through accounts (with calendar resources), distribution lists, dynamic groups, aliases and
 * their child entries, each filter excluding the earlier ones; finally yield the held-back
 * entries. Memory is bounded by the page size plus the configuration part of the tree.
 *
 * @throws LdapError (`ZB_LDAP`) when the bind or a search fails (wrong password: result code 49);
 *   `ZB_ABORTED` when `signal` aborts; `ZB_INVALID_ARGUMENT` for bad options.
 * @example
 * for await (const e of dumpDirectory({ url: 'ldap://127.0.0.1:389', bindDN, password })) console.log(e.kind, e.dn);
 */
export async function* dumpDirectory(options: DirectoryDumpOptions): AsyncGenerator<DirectoryEntry> {
  const pageSize = options.pageSize ?? 500;
  if (!Number.isInteger(pageSize) || pageSize < 1) {
    throw new ZimbraBackupError('pageSize must be a positive integer', {
      code: 'ZB_INVALID_ARGUMENT',
      data: { field: 'pageSize' },
    });
  }
  if (!/^ldaps?:\/\//i.test(options.url)) {
    throw new ZimbraBackupError('url must be ldap:// or ldaps://', {
      code: 'ZB_INVALID_ARGUMENT',
      data: { field: 'url' },
    });
  }
  const logger = resolveLogger(options.logger);
  const url = safeUrl(options.url);
  const { signal } = options;
  throwIfAborted(signal);
  const client = new Client({
    url: options.url,
    timeout: options.timeoutMs ?? 60_000,
    connectTimeout: options.connectTimeoutMs ?? 10_000,
    ...(options.tlsOptions ? { tlsOptions: options.tlsOptions } : {}),
  });
  const onAbort = (): void => void client.unbind().catch(() => undefined);
  signal?.addEventListener('abort', onAbort, { once: true });
  const session: Session = {
    client,
    options,
    logger,
    pageSize,
    url,
    wrap: (op, err, data = {}) => {
      if (signal?.aborted)
        return new ZimbraBackupError('operation aborted', { code: 'ZB_ABORTED', cause: signal.reason });
      return err instanceof ZimbraBackupError ? err : new LdapError(op, err, { url, bindDN: options.bindDN, ...data });
    },
  };
  try {
    try {
      if (options.startTLS) await raceAbort(client.startTLS(options.tlsOptions ?? {}), signal);
      await raceAbort(client.bind(options.bindDN, toSecret(options.password).reveal()), signal);
    } catch (err) {
      throw session.wrap('bind', err);
    }
    logger.info({ url, bindDN: options.bindDN, baseDNs: options.baseDNs ?? [''], pageSize }, 'ldap dump started');
    let loaded = 0;
    for await (const e of entriesInOrder(session)) {
      throwIfAborted(signal);
      options.onProgress?.({ phase: 'ldap', loaded: ++loaded, kind: e.kind });
      yield e;
    }
    logger.info({ url, entries: loaded }, 'ldap dump finished');
  } finally {
    signal?.removeEventListener('abort', onAbort);
    await client.unbind().catch(() => undefined);
  }
}

/** A bound connection and what the passes need. */
interface Session {
  client: Client;
  options: DirectoryDumpOptions;
  logger: Logger;
  pageSize: number;
  url: string;
  wrap(op: string, err: unknown, data?: Record<string, unknown>): Error;
}

/** One paged search, as entries. */
async function* search(s: Session, base: string, filter: string): AsyncGenerator<DirectoryEntry> {
  const binaryNames = [...BINARY_ATTRIBUTES, ...(s.options.binaryAttributes ?? [])];
  const binary = new Set(binaryNames.map((a) => a.toLowerCase()));
  const attributes = ['*', ...(s.options.operationalAttributes ?? DEFAULT_OPERATIONAL_ATTRIBUTES)];
  const pages = s.client.searchPaginated(base, {
    scope: 'sub',
    filter,
    attributes,
    paged: { pageSize: s.pageSize },
    explicitBufferAttributes: binaryNames,
  });
  for (;;) {
    let page: IteratorResult<{ searchEntries: Entry[] }>;
    try {
      page = await raceAbort(pages.next(), s.options.signal);
    } catch (err) {
      throw s.wrap('search', err, { base, filter });
    }
    if (page.done) return;
    for (const raw of page.value.searchEntries) yield toEntry(raw, binary);
  }
}

/** The search plan of {@link dumpDirectory}: structure first (buffered, ordered), then the streamed passes. */
async function* entriesInOrder(s: Session): AsyncGenerator<DirectoryEntry> {
  const baseDNs = s.options.baseDNs ?? [''];
  // Negating only classes the server defines keeps the filter from turning Undefined; when the
  // schema cannot be read, everything is scanned and the leaves are skipped here.
  const all = [...LEAF_CLASSES, ...CHILD_CLASSES];
  const allLC = new Set(all.map((c) => c.toLowerCase()));
  const defined = await raceAbort(definedClasses(s.client), s.options.signal);
  const negate = all.filter((c) => defined?.has(c.toLowerCase()));
  if (defined === undefined)
    s.logger.warn({ url: s.url }, 'ldap subschema unreadable: scanning the whole tree for configuration entries');
  const filter = negate.length ? `(!${positiveFilter(negate)})` : '(objectClass=*)';
  const structure: DirectoryEntry[] = [];
  for (const base of baseDNs) {
    for await (const e of search(s, base, filter)) if (!hasAnyClass(e, allLC)) structure.push(e);
  }
  const { ready, heldBack } = orderParentsFirst(structure, baseDNs);
  yield* ready;
  const earlier = new Set<string>();
  for (const classes of PASSES) {
    for (const base of baseDNs) {
      for await (const e of search(s, base, positiveFilter(classes))) if (!hasAnyClass(e, earlier)) yield e;
    }
    for (const c of classes) earlier.add(c.toLowerCase());
  }
  yield* heldBack;
}
