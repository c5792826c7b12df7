/**
 * The operations the console can start, each a validated parameter set handed to the library
 * function the CLI uses for the same job (undelete, restoreItems, restoreAccount,
 * restoreDirectory, exportArchive, importArchive, checkRepository, purgeRepository,
 * BackupEngine.watch). No operation logic lives here: only input checks, progress relay and a
 * bounded copy of the result for the history.
 * @module
 */
import { createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { PassThrough } from 'node:stream';
import { BackupEngine } from '../../backup/backup-engine.js';
import { ZimbraBackupError } from '../../errors.js';
import { exportArchive } from '../../export/export-archive.js';
import { importArchive } from '../../import/import-archive.js';
import { checkRepository } from '../../maintenance/check.js';
import { purgeRepository } from '../../maintenance/purge.js';
import { restoreAccount } from '../../restore/restore-account.js';
import { restoreDirectory, type DirectoryObjectKind } from '../../directory/restore-directory.js';
import { restoreItems } from '../../restore/restore-items.js';
import { undelete } from '../../restore/undelete.js';
import type { ZimbraClient } from '../../soap/zimbra-client.js';
import type { ConsoleDeps } from '../context.js';
import { badInput } from '../http-errors.js';
import { accountParam, itemParam, requiredTime, timeParam } from '../params.js';
import { retainClient, type ConsoleSession } from '../security/sessions.js';
import type { OperationContext, OperationProgress, OperationRecord } from './runner.js';

type Body = Record<string, unknown>;
type Started = { spec: Spec; run: (ctx: OperationContext) => Promise<unknown> };
type Spec = { kind: string; summary: string; params: Record<string, unknown>; dryRun?: boolean; exclusive?: boolean };

/** Name prefix of export downloads kept in the temp folder until the console stops. */
export const EXPORT_TEMP_PREFIX = 'zb-console-export-';

/** Kinds of operation, as the API names them. */
export const OPERATION_KINDS = [
  'undelete',
  'restore-items',
  'restore-account',
  'restore-directory',
  'export',
  'import',
  'check',
  'purge',
  'capture',
] as const;
/** One of {@link OPERATION_KINDS}. */
export type OperationKind = (typeof OPERATION_KINDS)[number];

const str = (b: Body, k: string): string | undefined =>
  typeof b[k] === 'string' && b[k] !== '' ? (b[k] as string) : undefined;
const bool = (b: Body, k: string): boolean => b[k] === true;

function needClient(session: ConsoleSession): ZimbraClient {
  if (!session.client)
    throw new ZimbraBackupError(
      'this operation writes to a Zimbra server: start the console with --server and log in as an admin',
      {
        code: 'ZB_UNSUPPORTED',
      },
    );
  return session.client;
}

/** Relays the library's `{ phase, loaded, total }` events, at most every 100 ms (plus phase changes). */
function relay(
  ctx: OperationContext,
): (p: { phase: string; loaded: number; total?: number; unit?: string; account?: string }) => void {
  let last = 0;
  let phase = '';
  return (p) => {
    const now = Date.now();
    if (p.phase === phase && now - last < 100 && p.loaded !== p.total) return;
    last = now;
    phase = p.phase;
    const out: OperationProgress = { phase: p.phase, loaded: p.loaded };
    if (p.total !== undefined) out.total = p.total;
    if (p.unit !== undefined) out.unit = p.unit;
    if (p.account !== undefined) out.detail = p.account;
    ctx.progress(out);
  };
}

/** Keeps the history entry small: long lists are cut, with their length kept. */
function bounded(result: unknown): unknown {
  return JSON.parse(
    JSON.stringify(result, (_k, v: unknown) =>
      Array.isArray(v) && v.length > 200 ? [...v.slice(0, 200), `... ${v.length - 200} more`] : v,
    ),
  ) as unknown;
}

/** A path typed in the browser, resolved under `filesRoot` (never outside it). */
export function pathUnderRoot(deps: ConsoleDeps, value: string | undefined, field: string): string {
  if (deps.filesRoot === undefined)
    throw new ZimbraBackupError('server-side paths are disabled: start the console with --files-dir', {
      code: 'ZB_UNSUPPORTED',
    });
  if (value === undefined || value.length > 500 || /[\u0000-\u001f]/.test(value))
    throw badInput(`${field} is required`, field);
  const root = resolve(deps.filesRoot);
  const full = resolve(root, value);
  const rel = relative(root, full);
  if (rel === '' || rel.startsWith('..') || isAbsolute(rel) || rel.split(sep).includes('..'))
    throw new ZimbraBackupError(`${field} must be a file inside the files directory`, {
      code: 'ZB_UNSAFE_PATH',
      data: { field },
    });
  return full;
}

function window(b: Body): { from: number; to: number } {
  const from = requiredTime(str(b, 'from'), 'from');
  const to = requiredTime(str(b, 'to'), 'to');
  if (to < from) throw badInput('to is before from', 'to');
  return { from, to };
}

/** Validates a request to start an operation and prepares its body. */
export function prepareOperation(deps: ConsoleDeps, session: ConsoleSession, kind: string, b: Body): Started {
  const { repository } = deps;
  const dryRun = bool(b, 'dryRun');
  const toAccount = str(b, 'toAccount') === undefined ? undefined : accountParam(str(b, 'toAccount'), 'toAccount');
  const target = toAccount ? { toAccount } : {};
  switch (kind) {
    case 'undelete': {
      const account = accountParam(str(b, 'account'));
      const { from, to } = window(b);
      const client = needClient(session);
      const iso = (t: number) => new Date(t).toISOString();
      return {
        spec: {
          kind,
          dryRun,
          summary: `undelete ${account} ${iso(from)} .. ${iso(to)}${toAccount ? ` into ${toAccount}` : ''}`,
          params: { account, from: iso(from), to: iso(to), ...target },
        },
        run: async (ctx) =>
          bounded(
            await undelete({
              repository,
              client,
              account,
              from,
              to,
              dryRun,
              signal: ctx.signal,
              onProgress: relay(ctx),
              ...target,
            }),
          ),
      };
    }
    case 'restore-items': {
      const account = accountParam(str(b, 'account'));
      const raw = Array.isArray(b['items']) ? (b['items'] as unknown[]) : [];
      if (raw.length === 0 || raw.length > 10_000) throw badInput('items must list 1 to 10000 item ids', 'items');
      const ids = raw.map((v) => itemParam(typeof v === 'string' ? v : ''));
      const at = timeParam(str(b, 'at'), 'at');
      const client = needClient(session);
      return {
        spec: {
          kind,
          dryRun,
          summary: `restore ${ids.length} items of ${account}${toAccount ? ` into ${toAccount}` : ''}`,
          params: {
            account,
            items: ids.slice(0, 200),
            count: ids.length,
            ...(at !== undefined ? { at: new Date(at).toISOString() } : {}),
            ...target,
          },
        },
        run: async (ctx) =>
          bounded(
            await restoreItems({
              repository,
              client,
              account,
              ids,
              dryRun,
              signal: ctx.signal,
              onProgress: relay(ctx),
              ...(at !== undefined ? { at } : {}),
              ...target,
            }),
          ),
      };
    }
    case 'restore-account': {
      const account = accountParam(str(b, 'account'));
      const at = requiredTime(str(b, 'at'), 'at');
      const client = needClient(session);
      // Writing into another existing mailbox is refused by the library unless asked for.
      const into = bool(b, 'intoExisting') ? { intoExisting: true } : {};
      return {
        spec: {
          kind,
          dryRun,
          summary: `restore ${account} as at ${new Date(at).toISOString()} into ${toAccount ?? 'itself'}`,
          params: { account, at: new Date(at).toISOString(), ...target, ...into },
        },
        run: async (ctx) =>
          bounded(
            await restoreAccount({
              repository,
              client,
              account,
              at,
              dryRun,
              signal: ctx.signal,
              onProgress: relay(ctx),
              ...target,
              ...into,
            }),
          ),
      };
    }
    case 'restore-directory': {
      const kinds: DirectoryObjectKind[] = ['cos', 'domain', 'account', 'distributionList'];
      const objects = Array.isArray(b['objects']) ? (b['objects'] as unknown[]) : undefined;
      if (objects && objects.some((o) => !kinds.includes(o as DirectoryObjectKind)))
        throw badInput('objects must be cos, domain, account or distributionList', 'objects');
      const accounts = Array.isArray(b['accounts'])
        ? (b['accounts'] as unknown[]).map((a) => accountParam(typeof a === 'string' ? a : '', 'accounts'))
        : undefined;
      const domain = str(b, 'domain') === undefined ? undefined : accountParam(str(b, 'domain'), 'domain');
      const at = timeParam(str(b, 'at'), 'at');
      const client = needClient(session);
      const opts = {
        ...(objects ? { objects: objects as DirectoryObjectKind[] } : {}),
        ...(accounts ? { accounts } : {}),
        ...(domain ? { domain } : {}),
        ...(at !== undefined ? { at } : {}),
      };
      return {
        spec: {
          kind,
          dryRun,
          summary: `restore directory objects${domain ? ` of ${domain}` : ''}${accounts ? ` (${accounts.join(', ')})` : ''}`,
          params: { ...opts, ...(at !== undefined ? { at: new Date(at).toISOString() } : {}) },
        },
        run: async (ctx) =>
          bounded(
            await restoreDirectory({ repository, client, dryRun, signal: ctx.signal, onProgress: relay(ctx), ...opts }),
          ),
      };
    }
    case 'export': {
      const accounts = Array.isArray(b['accounts'])
        ? (b['accounts'] as unknown[]).map((a) => accountParam(typeof a === 'string' ? a : '', 'accounts'))
        : undefined;
      const at = timeParam(str(b, 'at'), 'at');
      const toPath = str(b, 'path') === undefined ? undefined : pathUnderRoot(deps, str(b, 'path'), 'path');
      const opts = { ...(accounts ? { accounts } : {}), ...(at !== undefined ? { at } : {}) };
      return {
        spec: {
          kind,
          summary: `export ${accounts ? accounts.join(', ') : 'all accounts'} to ${toPath ? str(b, 'path') : 'a download'}`,
          params: {
            ...(accounts ? { accounts } : {}),
            ...(at !== undefined ? { at: new Date(at).toISOString() } : {}),
            destination: toPath ? str(b, 'path') : 'download',
          },
        },
        run: async (ctx) => {
          const file = toPath ?? join(tmpdir(), `${EXPORT_TEMP_PREFIX}${process.pid}-${Date.now()}.tar.gz`);
          const part = `${file}.part`;
          const out = new PassThrough();
          const written = pipeline(out, createWriteStream(part, { mode: 0o600 }));
          try {
            const r = await exportArchive({
              repo: repository,
              out,
              compression: 'gzip',
              signal: ctx.signal,
              onProgress: relay(ctx),
              ...opts,
            });
            await written;
            await rename(part, file);
            return {
              bytes: r.bytes,
              durationMs: r.durationMs,
              accounts: r.manifest.accounts.length,
              ...(toPath ? { path: str(b, 'path') } : { download: true, file }),
            };
          } catch (err) {
            out.destroy();
            await written.catch(() => {});
            await rm(part, { force: true });
            throw err;
          }
        },
      };
    }
    case 'import': {
      const archive = pathUnderRoot(deps, str(b, 'path'), 'path');
      const accounts = Array.isArray(b['accounts'])
        ? (b['accounts'] as unknown[]).map((a) => accountParam(typeof a === 'string' ? a : '', 'accounts'))
        : undefined;
      const client = needClient(session);
      return {
        spec: {
          kind,
          summary: `import ${str(b, 'path')}`,
          params: { path: str(b, 'path'), ...(accounts ? { accounts } : {}) },
        },
        run: async (ctx) =>
          bounded(
            await importArchive({
              archive,
              client,
              signal: ctx.signal,
              onProgress: relay(ctx),
              ...(accounts ? { accounts } : {}),
            }),
          ),
      };
    }
    case 'check': {
      const mode = str(b, 'mode') ?? 'quick';
      if (mode !== 'quick' && mode !== 'full' && mode !== 'repair')
        throw badInput('mode must be quick, full or repair', 'mode');
      return {
        spec: { kind, summary: `${mode} check`, params: { mode }, exclusive: true },
        run: async (ctx) =>
          bounded(
            await checkRepository({
              repository,
              full: mode !== 'quick',
              repair: mode === 'repair',
              signal: ctx.signal,
              onProgress: relay(ctx),
            }),
          ),
      };
    }
    case 'purge': {
      const retention = str(b, 'retention') ?? '';
      const m = /^(\d{1,5})([hdw])$/.exec(retention);
      if (!m) throw badInput('retention must look like 30d, 12h or 4w', 'retention');
      const retentionMs = Number(m[1]) * { h: 3_600_000, d: 86_400_000, w: 604_800_000 }[m[2] as 'h' | 'd' | 'w'];
      if (retentionMs === 0) throw badInput('retention must be more than 0', 'retention');
      return {
        spec: {
          kind,
          dryRun,
          summary: `purge past ${retention}${dryRun ? ' (dry run)' : ''}`,
          params: { retention },
          exclusive: true,
        },
        run: async (ctx) =>
          bounded(
            await purgeRepository({ repository, retentionMs, dryRun, signal: ctx.signal, onProgress: relay(ctx) }),
          ),
      };
    }
    case 'capture': {
      const client = needClient(session);
      return {
        spec: { kind, summary: 'real-time capture', params: {}, exclusive: true },
        run: async (ctx) => {
          const engine = new BackupEngine({
            client,
            repository,
            onProgress: (p) =>
              ctx.progress({
                phase: p.phase,
                loaded: p.items ?? 0,
                ...(p.total !== undefined ? { total: p.total } : {}),
              }),
          });
          // Stopping is the normal end of a capture: the engine commits what is in flight and returns.
          return bounded(await engine.watch({ signal: ctx.signal }));
        },
      };
    }
    default:
      throw badInput(`unknown operation ${JSON.stringify(String(kind).slice(0, 40))}`, 'kind');
  }
}

/** Starts a validated operation for `session`. */
export function startOperation(deps: ConsoleDeps, session: ConsoleSession, kind: string, body: Body): OperationRecord {
  const { spec, run } = prepareOperation(deps, session, kind, body);
  const release = retainClient(session);
  try {
    return deps.operations.start({ ...spec, user: session.user }, (ctx) => run(ctx).finally(release));
  } catch (err) {
    release();
    throw err;
  }
}
