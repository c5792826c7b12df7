/**
 * Turning directory entries into Create*Request attributes, shared by `restoreDirectory` and the
 * import's provisioning.
 * @module
 */
import type { DirectoryEntry } from './directory-entry.js';
import type { ZimbraAttrs } from '../soap/element.js';

/** Attributes LDAP or the server own (lower-case): never sent in a Create*Request. */
const SERVER_OWNED = new Set([
  'objectclass',
  'zimbraid',
  'dc',
  'o',
  'ou',
  'cn',
  'uid',
  'mail',
  'zimbracreatetimestamp',
  'entryuuid',
  'zimbradomainname',
  'zimbramailforwardingaddress',
  'zimbramemberof',
  'zimbramailalias',
  'zimbramaildeliveryaddress',
  'zimbramailhost',
  'zimbramailtransport',
  'structuralobjectclass',
  'createtimestamp',
  'modifytimestamp',
  'creatorsname',
  'modifiersname',
  'entrycsn',
  'subschemasubentry',
  'hassubordinates',
]);

/** The text attributes of an entry a Create*Request may carry (binary values cannot travel as SOAP attribute text). */
export function creatableAttrs(attributes: DirectoryEntry['attributes']): ZimbraAttrs {
  const out: ZimbraAttrs = {};
  for (const [k, vs] of Object.entries(attributes)) {
    if (SERVER_OWNED.has(k.toLowerCase())) continue;
    const texts = vs.filter((v): v is string => typeof v === 'string');
    if (texts.length > 0) out[k] = texts.length === 1 ? texts[0]! : texts;
  }
  return out;
}

/**
 * Rewrites source COS ids into the target's, matched by COS name (`oldNames`: source id -> name;
 * `newIds`: lower-case name -> target id). An unknown COS id is dropped: the server would refuse it.
 */
export function remapCos(attrs: ZimbraAttrs, oldNames: Map<string, string>, newIds: Map<string, string>): ZimbraAttrs {
  const out = { ...attrs };
  for (const k of ['zimbraCOSId', 'zimbraDomainDefaultCOSId']) {
    const v = out[k];
    if (typeof v !== 'string') continue;
    const id = newIds.get((oldNames.get(v) ?? '').toLowerCase());
    if (id) out[k] = id;
    else delete out[k];
  }
  return out;
}
