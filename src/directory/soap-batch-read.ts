/**
 * Read-only admin requests sent together in BatchRequests (issue 12: the directory snapshot of a
 * no-change backup took eight round trips, one per request). Zimbra runs a batch's members one
 * after the other in one HTTP exchange and answers each with its `requestId`
 * (zm-mailbox store/src/java/com/zimbra/soap/SoapEngine.java, the E_BATCH_REQUEST branch), so the
 * answers are the ones the same requests sent alone would get.
 *
 * A member that faults is sent again on its own, where the client's retry policy applies (a
 * transient fault inside a batch is not retried by the batch): a failure reaches the caller as the
 * same typed error the request alone would raise.
 * @module
 */
import { AdminBatch, type BatchMember } from '../soap/requests/batch.js';
import type { SoapRequestDefinition } from '../soap/requests/definition.js';
import type { ZimbraClient } from '../soap/zimbra-client.js';

/** Members per BatchRequest: bounds the size of one response (a list's members come back whole). */
export const BATCH_READ_SIZE = 50;

/**
 * An admin BatchRequest of reads: sent again on a transient failure like each of its members
 * would be (the generic BatchRequest is not idempotent: it may carry writes).
 */
const READ_BATCH = { ...AdminBatch, idempotent: true };

/** One read: a request definition (admin, without side effects) and its params. */
export interface BatchRead<P = unknown, R = unknown> {
  def: SoapRequestDefinition<P, R>;
  params: P;
}

/** Builds a {@link BatchRead} with its result type. */
export function read<P, R>(def: SoapRequestDefinition<P, R>, params: P): BatchRead<P, R> {
  return { def, params };
}

type Results<T extends readonly BatchRead[]> = { [K in keyof T]: T[K] extends BatchRead<unknown, infer R> ? R : never };

/**
 * The results of `reads`, in order, in ceil(n / {@link BATCH_READ_SIZE}) round trips when nothing
 * faults (a single read is sent alone).
 * @throws the typed error of a read that fails again when sent alone; `ZB_ABORTED`.
 */
export async function batchRead<const T extends readonly BatchRead[]>(
  client: ZimbraClient,
  reads: T,
  signal?: AbortSignal,
): Promise<Results<T>> {
  const opts = signal ? { signal } : {};
  const out: unknown[] = [];
  for (let i = 0; i < reads.length; i += BATCH_READ_SIZE) {
    const slice = reads.slice(i, i + BATCH_READ_SIZE);
    if (slice.length === 1) {
      out.push(await client.send(slice[0]!.def, slice[0]!.params, opts));
      continue;
    }
    const members: BatchMember[] = slice.map((r) => ({ def: r.def, params: r.params }));
    const { results } = await client.send(READ_BATCH, { members }, opts);
    for (const [j, r] of results.entries())
      out.push(r.ok ? r.value : await client.send(slice[j]!.def, slice[j]!.params, opts));
  }
  return out as Results<T>;
}
