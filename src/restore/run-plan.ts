/**
 * The common tail of every mailbox restore operation: open the id map, then either list the plan
 * (dry run) or hand it to a {@link RestoreWriter}.
 * @module
 */
import type { JsonValue } from '../journal/types.js';
import { RestoreIdMap } from './restore-id-map.js';
import { idMapKey, RestoreWriter } from './restore-writer.js';
import { NOTES_DISABLED_HINT, probeNotes } from './note-writer.js';
import {
  emptyCounts,
  type PlannedEntry,
  type RestoreOperationOptions,
  type RestorePlan,
  type RestoreResult,
} from './types.js';

/** What {@link runPlan} needs beyond the operation options. */
export interface RunPlanArgs {
  /** Deterministic restore id (see `restoreIdOf`). */
  restoreId: string;
  /** The source account's zimbraId. */
  sourceAccountId: string;
  /** The mailbox to write to. */
  targetAccount: string;
  /** What to restore. */
  plan: RestorePlan;
  /** Operation record stored with the restore (first run only). */
  operation: { [k: string]: JsonValue };
  /** Source ids that still exist in the target. */
  skipIds?: ReadonlySet<string>;
  /** An id map already opened by the caller (to read back first-run choices). */
  idMap?: RestoreIdMap;
}

/** Lists a plan as dry-run entries. */
export function listPlan(plan: RestorePlan, idMap?: RestoreIdMap): PlannedEntry[] {
  const out: PlannedEntry[] = [];
  for (const f of plan.folders) {
    const name = f.path.slice(f.path.lastIndexOf('/') + 1);
    out.push({ id: f.sourceId ?? '', kind: 'folder', path: f.path, name });
  }
  for (const { record: r, path } of plan.items) {
    const done = idMap?.get(idMapKey(r.kind, r.id)) !== undefined;
    out.push({
      id: r.id,
      kind: r.kind,
      path,
      ...(r.name ? { name: r.name } : {}),
      ...(r.size !== undefined ? { size: r.size } : {}),
      ...(r.digest ? { digest: r.digest } : {}),
      ...(done ? { alreadyRestored: true } : {}),
    });
  }
  return out;
}

/** Runs (or, with `dryRun`, lists) a restore plan. */
export async function runPlan(opts: RestoreOperationOptions, args: RunPlanArgs): Promise<RestoreResult> {
  const started = Date.now();
  const io = opts.signal;
  const idMap =
    args.idMap ??
    (await RestoreIdMap.open({
      backend: opts.repository.backend,
      restoreId: args.restoreId,
      readOnly: opts.dryRun === true,
      ...(io ? { signal: io } : {}),
    }));
  const base = {
    restoreId: args.restoreId,
    sourceAccountId: args.sourceAccountId,
    targetAccount: args.targetAccount,
    unsupported: args.plan.unsupported,
  };
  if (opts.dryRun) {
    await idMap.close();
    const skip = args.skipIds;
    let plan = skip ? { ...args.plan, items: args.plan.items.filter((i) => !skip.has(i.record.id)) } : args.plan;
    const warnings: string[] = [];
    if (plan.items.some((i) => i.record.kind === 'note' && idMap.get(idMapKey('note', i.record.id)) === undefined)) {
      // A preview must not promise notes the server would refuse (it writes nothing to find out).
      const sig = io ? { signal: io } : {};
      let support = await probeNotes(opts.client, { account: args.targetAccount, ...sig });
      // the target may not exist yet (a restore into a new account): ask as the admin's own mailbox
      if (support === 'unknown') support = await probeNotes(opts.client, sig);
      if (support === 'disabled') {
        const notes = plan.items.filter((i) => i.record.kind === 'note');
        plan = { ...plan, items: plan.items.filter((i) => i.record.kind !== 'note') };
        base.unsupported = [
          ...base.unsupported,
          ...notes.map((i) => ({
            id: i.record.id,
            kind: i.record.kind,
            reason: 'notes are disabled on the target server',
          })),
        ];
        warnings.push(`notes not restored: ${NOTES_DISABLED_HINT}`);
      }
    }
    return {
      ...base,
      ...(warnings.length ? { warnings } : {}),
      counts: emptyCounts(),
      bytes: 0,
      failures: [],
      durationMs: Date.now() - started,
      dryRun: true,
      planned: listPlan(plan, idMap),
    };
  }
  if ((await idMap.readOperation(io)) === undefined)
    await idMap.writeOperation({ ...args.operation, createdMs: Date.now() }, io);
  const writer = new RestoreWriter({
    client: opts.client,
    account: args.targetAccount,
    blobs: opts.repository.blobs,
    idMap,
    ...(opts.concurrency !== undefined ? { concurrency: opts.concurrency } : {}),
    ...(args.skipIds ? { skipIds: args.skipIds } : {}),
    ...(opts.onProgress ? { onProgress: opts.onProgress } : {}),
    ...(opts.logger !== undefined ? { logger: opts.logger } : {}),
    ...(io ? { signal: io } : {}),
  });
  const written = await writer.write(args.plan);
  return { ...base, ...written, durationMs: Date.now() - started, dryRun: false, planned: [] };
}
