/**
 * Deterministic restore ids: the same operation (kind, source account, target, instant or
 * window, ids, folder) always gets the same id, so a rerun finds the id map of the first run.
 * @module
 */
import { createHash } from 'node:crypto';
import type { JsonValue } from '../journal/types.js';

function canonical(v: JsonValue | undefined): string {
  if (v === undefined || v === null) return 'null';
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (typeof v === 'object') {
    const keys = Object.keys(v)
      .filter((k) => v[k] !== undefined)
      .sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonical(v[k])}`).join(',')}}`;
  }
  return JSON.stringify(v);
}

/**
 * `<op>-<24 hex>`: the operation name plus a SHA-256 prefix of its canonical JSON parameters
 * (key order does not matter). Valid as a repository key segment.
 * @example restoreIdOf('undelete', { account: id, from: 0, to: 1 }) // 'undelete-3f2a...'
 */
export function restoreIdOf(op: string, params: { [k: string]: JsonValue | undefined }): string {
  const clean: { [k: string]: JsonValue } = {};
  for (const [k, v] of Object.entries(params)) if (v !== undefined) clean[k] = v;
  const hash = createHash('sha256')
    .update(`${op}\n${canonical(clean)}`)
    .digest('hex')
    .slice(0, 24);
  return `${op.replace(/[^a-z0-9-]/gi, '-')}-${hash}`;
}
