/**
 * Folder grants (`mailbox/ACL.java`): grantee type (`usr grp cos dom all pub guest key`), grantee
 * id, rights letters `rwidxapf` (`c` accepted and dropped), optional expiry, and the secret of
 * guest and key grants. A folder with its own ACL carries the no-inherit flag `i`.
 */
import { faults } from '../wire/soap-fault.js';

/** One grant on a folder. */
export interface Grant {
  /** Grantee id: a zimbraId, the address of a guest, the name of a key grantee, or a GUID. */
  zid: string;
  gt: GranteeType;
  /** Rights in `ACL.rightsToString` order. */
  perm: string;
  expiry?: number | undefined;
  /** Guest password or access key. */
  secret?: string | undefined;
  /** Grantee name as the directory had it when granted (written as `d`). */
  d?: string | undefined;
}

/** Grantee types (`ACL.typeToString`). */
export type GranteeType = 'usr' | 'grp' | 'cos' | 'dom' | 'all' | 'pub' | 'guest' | 'key';

/** Grantee ids of the pseudo-grantees (`GuestAccount.GUID_AUTHUSER`, `GUID_PUBLIC`). */
export const GUID_AUTHUSER = '00000000-0000-0000-0000-000000000000';
export const GUID_PUBLIC = '99999999-9999-9999-9999-999999999999';

const TYPES: GranteeType[] = ['usr', 'grp', 'cos', 'dom', 'all', 'pub', 'guest', 'key'];
const RIGHTS_ORDER = 'rwidxapf';

/** `ACL.stringToType`: case-insensitive, `service.INVALID_REQUEST` for anything else. */
export function granteeType(s: string | undefined): GranteeType {
  const t = (s ?? '').toLowerCase() as GranteeType;
  if (!TYPES.includes(t)) throw faults.invalidRequest(`unknown grantee type: ${s ?? ''}`);
  return t;
}

/** `ACL.stringToRights` then `rightsToString`: validates and normalises a rights string. */
export function normalizeRights(s: string | undefined): string {
  const given = s ?? '';
  for (const c of given) if (!RIGHTS_ORDER.includes(c) && c !== 'c') throw faults.invalidRequest(`unknown right: ${c}`);
  return [...RIGHTS_ORDER].filter((c) => given.includes(c)).join('');
}
