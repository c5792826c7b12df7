/**
 * Operation routes: start (after a dry-run preview where the operation has one), list the
 * history, follow one live over Server-Sent Events, cancel, and download an export.
 * @module
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { Hono } from 'hono';
import { streamSSE } from 'hono/streaming';
import { safeSegment } from '../../internal/safe-id.js';
import type { ConsoleDeps, ConsoleEnv } from '../context.js';
import { errorResponse, toErrorResponse } from '../http-errors.js';
import { startOperation } from '../operations/kinds.js';
import type { OperationEvent, OperationRecord } from '../operations/runner.js';

/** A record as the browser sees it: no server-side temp paths. */
function publicRecord(r: OperationRecord): OperationRecord {
  if (r.result && typeof r.result === 'object' && 'file' in r.result) {
    const { file: _file, ...rest } = r.result as Record<string, unknown>;
    return { ...r, result: rest };
  }
  return r;
}

/** The operation routes, mounted under `/api`. */
export function operationRoutes(deps: ConsoleDeps): Hono<ConsoleEnv> {
  const app = new Hono<ConsoleEnv>();
  const find = (id: string): OperationRecord | undefined => {
    try {
      return deps.operations.get(safeSegment(id, 'operation id'));
    } catch {
      return undefined;
    }
  };

  app.get('/operations', (c) => c.json({ operations: deps.operations.list().map(publicRecord) }));

  app.post('/operations', async (c) => {
    let body: Record<string, unknown>;
    try {
      const parsed: unknown = await c.req.json();
      if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('not an object');
      body = parsed as Record<string, unknown>;
    } catch {
      return errorResponse(c, 400, 'ZB_INVALID_ARGUMENT', 'the body must be a JSON object');
    }
    const record = startOperation(deps, c.get('session'), String(body['kind'] ?? ''), body);
    return c.json(publicRecord(record), 202);
  });

  app.get('/operations/:id', (c) => {
    const r = find(c.req.param('id'));
    return r ? c.json(publicRecord(r)) : errorResponse(c, 404, 'ZB_NOT_FOUND', 'no such operation');
  });

  app.post('/operations/:id/cancel', (c) => {
    const r = find(c.req.param('id'));
    if (!r) return errorResponse(c, 404, 'ZB_NOT_FOUND', 'no such operation');
    if (!deps.operations.cancel(r.id)) return errorResponse(c, 409, 'ZB_CONFLICT', 'the operation is not running');
    deps.logger.info({ id: r.id, user: c.get('session').user }, 'console: operation cancel requested');
    return c.json(publicRecord(r), 202);
  });

  app.get('/operations/:id/events', (c) => {
    const r = find(c.req.param('id'));
    if (!r) return errorResponse(c, 404, 'ZB_NOT_FOUND', 'no such operation');
    return streamSSE(c, async (stream) => {
      const queue: OperationEvent[] = [];
      let wake: (() => void) | undefined;
      const unsubscribe = deps.operations.subscribe(r.id, (e) => {
        queue.push(e);
        wake?.();
      });
      stream.onAbort(() => {
        unsubscribe();
        wake?.();
      });
      try {
        await stream.writeSSE({ event: 'state', data: JSON.stringify(publicRecord(r)) });
        if (r.status !== 'running') return;
        for (;;) {
          while (queue.length === 0 && !stream.aborted) await new Promise<void>((res) => (wake = res));
          if (stream.aborted) return;
          const e = queue.shift() as OperationEvent;
          if (e.type === 'progress') await stream.writeSSE({ event: 'progress', data: JSON.stringify(e.progress) });
          else {
            await stream.writeSSE({ event: 'end', data: JSON.stringify(publicRecord(e.record)) });
            return;
          }
        }
      } finally {
        unsubscribe();
      }
    });
  });

  app.get('/operations/:id/download', async (c) => {
    const r = find(c.req.param('id'));
    const file = (r?.result as { file?: unknown } | undefined)?.file;
    if (!r || r.kind !== 'export' || r.status !== 'succeeded' || typeof file !== 'string')
      return errorResponse(c, 404, 'ZB_NOT_FOUND', 'no export to download');
    const s = await stat(file).catch(() => undefined);
    if (!s) return errorResponse(c, 410, 'ZB_NOT_FOUND', 'the export file is gone');
    c.header('content-type', 'application/gzip');
    c.header('content-length', String(s.size));
    c.header('content-disposition', `attachment; filename="zimbra-backup-${r.id}.tar.gz"`);
    return c.body(Readable.toWeb(createReadStream(file)) as ReadableStream);
  });

  app.onError((err, c) => toErrorResponse(c, err, deps.logger));
  return app;
}
