/**
 * BatchRequest (urn:zimbra): several requests in one round trip, each tagged with a `requestId`.
 * A failing member comes back as a `Fault` with the same `requestId` (HTTP 200).
 * @module
 */
import { ZimbraBackupError } from '../../errors.js';
import { attrStr, children, type SoapElement } from '../element.js';
import { faultToError, type SoapFaultError } from '../faults.js';
import { responseNameOf, type AnySoapRequestDefinition, type SoapRequestDefinition } from './definition.js';

/** One member of a batch. */
export interface BatchMember {
  /** The request definition (all members must share the admin flag). */
  def: AnySoapRequestDefinition;
  /** Its params. */
  params: unknown;
}

/** Params of {@link Batch}. */
export interface BatchParams {
  /** Members, answered in order. */
  members: BatchMember[];
  /** `continue` (default) runs all members; `stop` stops at the first fault. */
  onError?: 'continue' | 'stop';
}

/** One member's outcome. */
export type BatchOutcome = { ok: true; value: unknown } | { ok: false; error: SoapFaultError | ZimbraBackupError };

/** Result of {@link Batch}: one outcome per member, in order. */
export interface BatchResult {
  /** Outcomes in member order. */
  results: BatchOutcome[];
}

function buildBatch(p: BatchParams): SoapElement {
  const el: SoapElement = { onerror: p.onError ?? 'continue' };
  p.members.forEach((m, i) => {
    const member = { ...m.def.build(m.params), _jsns: m.def.namespace, requestId: String(i) };
    const prev = el[m.def.name];
    el[m.def.name] = Array.isArray(prev) ? [...prev, member] : [member];
  });
  return el;
}

function parseBatch(r: SoapElement, p: BatchParams): BatchResult {
  const faults = new Map(children(r, 'Fault').map((f) => [attrStr(f, 'requestId'), f]));
  const results = p.members.map((m, i): BatchOutcome => {
    const id = String(i);
    const resp = children(r, responseNameOf(m.def)).find((e) => attrStr(e, 'requestId') === id);
    if (resp) {
      try {
        return { ok: true, value: m.def.parse(resp, m.params) };
      } catch (err) {
        const e =
          err instanceof ZimbraBackupError
            ? err
            : new ZimbraBackupError(`malformed ${responseNameOf(m.def)}`, { code: 'ZB_PROTOCOL', cause: err });
        return { ok: false, error: e };
      }
    }
    const fault = faults.get(id);
    if (fault) return { ok: false, error: faultToError(fault, { request: m.def.name }) };
    return {
      ok: false,
      error: new ZimbraBackupError(`BatchResponse lacks member ${id}`, {
        code: 'ZB_PROTOCOL',
        data: { requestId: id },
      }),
    };
  });
  return { results };
}

/** BatchRequest for mail/account members (for admin members use {@link AdminBatch}). */
export const Batch: SoapRequestDefinition<BatchParams, BatchResult> = {
  name: 'BatchRequest',
  namespace: 'urn:zimbra',
  idempotent: false,
  build: buildBatch,
  parse: parseBatch,
};

/** BatchRequest sent on the admin URL with the admin token. */
export const AdminBatch: SoapRequestDefinition<BatchParams, BatchResult> = { ...Batch, admin: true };
