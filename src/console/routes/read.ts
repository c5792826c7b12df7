/**
 * Read-only routes: overview, account timeline, folders and items at an instant, item details,
 * message preview, raw download and attachments. Each one validates its inputs and calls the
 * library's read side (`catalog/`), the same functions `ls` and `status` use.
 * @module
 */
import { Readable } from 'node:stream';
import { Hono } from 'hono';
import pLimit from 'p-limit';
import {
  accountTimeline,
  contactTitle,
  itemVersion,
  listItems,
  messageAttachment,
  messagePreview,
  openItemContent,
  repositoryStatus,
  type ListedItem,
} from '../../catalog/index.js';
import { FOLDER_KINDS, ITEM_KINDS, type ItemKind } from '../../journal/types.js';
import type { ConsoleDeps, ConsoleEnv } from '../context.js';
import { badInput, toErrorResponse } from '../http-errors.js';
import { accountParam, intParam, itemParam, textParam, timeParam } from '../params.js';
import { MESSAGE_CSP } from '../security/headers.js';
import { overviewWarnings } from './overview.js';

/** A filename safe for a Content-Disposition header (RFC 6266 with RFC 5987 for the real name). */
function disposition(kind: 'attachment' | 'inline', name: string): string {
  const ascii = name.replace(/[^\x20-\x7e]|["\\/]/g, '_').slice(0, 150) || 'download';
  return `${kind}; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(name.slice(0, 150))}`;
}

function kindParam(value: string | undefined): ItemKind | undefined {
  if (value === undefined || value === '') return undefined;
  if (!(ITEM_KINDS as readonly string[]).includes(value)) throw badInput('kind is not an item kind', 'kind');
  return value as ItemKind;
}

/** The read routes, mounted under `/api`. */
export function readRoutes(deps: ConsoleDeps): Hono<ConsoleEnv> {
  const app = new Hono<ConsoleEnv>();
  const { repository } = deps;

  app.get('/overview', async (c) => {
    const now = Date.now();
    const [status, locks] = await Promise.all([repositoryStatus({ repository, now }), repository.locks()]);
    const history = deps.operations.list();
    const lastOf = (kind: string) => history.find((r) => r.kind === kind && r.status !== 'running');
    return c.json({
      now,
      status,
      locks: locks.map((l) => ({
        owner: l.owner,
        host: l.host,
        createdMs: l.createdMs,
        heartbeatMs: l.heartbeatMs,
        stale: l.stale,
      })),
      running: deps.operations.running(),
      lastCheck: lastOf('check') ?? null,
      lastPurge: lastOf('purge') ?? null,
      warnings: overviewWarnings(status, locks, now),
    });
  });

  app.get('/accounts/:account/timeline', async (c) => {
    const bucket = c.req.query('bucket');
    if (bucket !== undefined && bucket !== 'hour' && bucket !== 'day')
      throw badInput('bucket must be hour or day', 'bucket');
    const from = timeParam(c.req.query('from'), 'from');
    const to = timeParam(c.req.query('to'), 'to');
    return c.json(
      await accountTimeline({
        repository,
        account: accountParam(c.req.param('account')),
        ...(from !== undefined ? { from } : {}),
        ...(to !== undefined ? { to } : {}),
        ...(bucket ? { bucket } : {}),
      }),
    );
  });

  app.get('/accounts/:account/folders', async (c) => {
    const at = timeParam(c.req.query('at'), 'at');
    const items = await listItems({
      repository,
      account: accountParam(c.req.param('account')),
      ...(at !== undefined ? { at } : {}),
    });
    const counts = new Map<string, number>();
    for (const i of items)
      if (!FOLDER_KINDS.has(i.kind) && i.kind !== 'tag') counts.set(i.path, (counts.get(i.path) ?? 0) + 1);
    const folders = items
      .filter((i) => FOLDER_KINDS.has(i.kind))
      .map((f) => ({ id: f.id, kind: f.kind, path: f.path, name: f.name ?? '', items: counts.get(f.path) ?? 0 }));
    return c.json({ folders });
  });

  app.get('/accounts/:account/items', async (c) => {
    const account = accountParam(c.req.param('account'));
    const at = timeParam(c.req.query('at'), 'at');
    const from = timeParam(c.req.query('from'), 'from');
    const deleted = c.req.query('deleted') === '1';
    const folder = textParam(c.req.query('folder'), 'folder');
    const q = textParam(c.req.query('q'), 'q', 200)?.toLowerCase();
    const kind = kindParam(c.req.query('kind'));
    const offset = intParam(c.req.query('offset'), 'offset', 0, 10_000_000) ?? 0;
    const limit = intParam(c.req.query('limit'), 'limit', 1, 1000) ?? 200;
    let items = await listItems({
      repository,
      account,
      deleted,
      ...(at !== undefined ? { at } : {}),
      ...(from !== undefined ? { from } : {}),
      ...(folder !== undefined ? { folder } : {}),
    });
    items = items.filter((i) => (kind ? i.kind === kind : !FOLDER_KINDS.has(i.kind) && i.kind !== 'tag'));
    const withEnvelope = await envelopes(deps, q === undefined ? [] : items);
    if (q !== undefined) {
      items = items.filter((i) => {
        const rec = i as { subject?: string; from?: string };
        const env = withEnvelope.get(i.id) ?? { subject: rec.subject, from: rec.from, to: undefined };
        const title = i.kind === 'contact' ? contactTitle(i.meta) : undefined;
        return [i.name, i.path, title, env?.subject, env?.from, env?.to].some((s) => s?.toLowerCase().includes(q));
      });
    }
    // Newest first: what an administrator looks for is usually recent.
    items.sort(
      (a, b) => (b.deletedMs ?? b.dateMs ?? 0) - (a.deletedMs ?? a.dateMs ?? 0) || Number(b.id) - Number(a.id),
    );
    const page = items.slice(offset, offset + limit);
    const env = q === undefined ? await envelopes(deps, page) : withEnvelope;
    return c.json({
      total: items.length,
      offset,
      items: page.map(({ meta, ...i }) => ({
        ...i,
        ...(i.kind === 'contact' ? { subject: contactTitle(meta), from: '' } : {}),
        ...(env.get(i.id) ?? {}),
      })),
    });
  });

  app.get('/accounts/:account/items/:item', async (c) => {
    const at = timeParam(c.req.query('at'), 'at');
    const v = await itemVersion({
      repository,
      account: accountParam(c.req.param('account')),
      itemId: itemParam(c.req.param('item')),
      ...(at !== undefined ? { at } : {}),
    });
    const preview =
      v.record.kind === 'message' && v.record.digest !== undefined
        ? await messagePreview(await openItemContent(repository, v.record))
        : undefined;
    if (preview) delete (preview as { html?: string }).html; // served by /body under its own CSP
    return c.json({
      accountId: v.accountId,
      accountName: v.accountName,
      deleted: v.deleted,
      record: v.record,
      preview,
    });
  });

  app.get('/accounts/:account/items/:item/body', async (c) => {
    const at = timeParam(c.req.query('at'), 'at');
    const v = await itemVersion({
      repository,
      account: accountParam(c.req.param('account')),
      itemId: itemParam(c.req.param('item')),
      ...(at !== undefined ? { at } : {}),
    });
    if (v.record.kind !== 'message') throw badInput('only messages have a body view', 'item');
    const p = await messagePreview(await openItemContent(repository, v.record));
    const escape = (s: string) => s.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
    const body = p.html ?? `<pre style="white-space:pre-wrap;font:13px/1.4 monospace">${escape(p.text)}</pre>`;
    c.header('content-security-policy', MESSAGE_CSP);
    c.header('x-frame-options', 'SAMEORIGIN');
    return c.html(
      `<!doctype html><html><head><meta charset="utf-8"><base target="_blank"></head><body>${body}</body></html>`,
    );
  });

  app.get('/accounts/:account/items/:item/raw', async (c) => {
    const at = timeParam(c.req.query('at'), 'at');
    const v = await itemVersion({
      repository,
      account: accountParam(c.req.param('account')),
      itemId: itemParam(c.req.param('item')),
      ...(at !== undefined ? { at } : {}),
    });
    const stream = await openItemContent(repository, v.record);
    const ext =
      v.record.kind === 'message'
        ? 'eml'
        : v.record.kind === 'contact'
          ? 'vcf'
          : v.record.kind === 'appointment' || v.record.kind === 'task'
            ? 'ics'
            : 'bin';
    const name =
      v.record.kind === 'document' && v.record.name ? v.record.name : `${v.record.kind}-${v.record.id}.${ext}`;
    c.header('content-type', 'application/octet-stream');
    c.header('content-disposition', disposition('attachment', name));
    return c.body(Readable.toWeb(stream) as ReadableStream);
  });

  app.get('/accounts/:account/items/:item/attachments/:index', async (c) => {
    const at = timeParam(c.req.query('at'), 'at');
    const index = intParam(c.req.param('index'), 'index', 0, 10_000) as number;
    const v = await itemVersion({
      repository,
      account: accountParam(c.req.param('account')),
      itemId: itemParam(c.req.param('item')),
      ...(at !== undefined ? { at } : {}),
    });
    const a = await messageAttachment(await openItemContent(repository, v.record), index);
    // Always a download, never rendered by the browser in our origin.
    c.header('content-type', 'application/octet-stream');
    c.header('content-disposition', disposition('attachment', a.filename));
    return c.body(a.bytes as Uint8Array<ArrayBuffer>);
  });

  app.onError((err, c) => toErrorResponse(c, err, deps.logger));
  return app;
}

/** Envelopes (subject, from, to) of the messages among `items`, read from their blobs. */
async function envelopes(
  deps: ConsoleDeps,
  items: ListedItem[],
): Promise<Map<string, { subject: string; from: string; to: string }>> {
  const out = new Map<string, { subject: string; from: string; to: string }>();
  const limit = pLimit(8);
  await Promise.all(
    items
      // Records captured with an envelope in `meta` already carry subject and sender (listItems
      // maps them); only older records, and calendar items, need their blob's headers read.
      .filter((i) => (i as { subject?: unknown }).subject === undefined)
      .filter((i) => (i.kind === 'message' || i.kind === 'appointment' || i.kind === 'task') && i.digest !== undefined)
      .map((i) =>
        limit(async () => {
          try {
            out.set(i.id, await deps.envelopes.get(deps.repository, i.digest as string));
          } catch {
            // A damaged blob shows without an envelope; `check` reports it.
          }
        }),
      ),
  );
  return out;
}
