/**
 * The record a directory dump yields, its kinds, and the value rules shared by the LDAP reader
 * and the LDIF parser, so an entry read from the server and the same entry read back from its
 * LDIF compare equal.
 * @module
 */
import { VALUE_BLOCKED } from './account-attributes.js';

/** One attribute value: text when it is valid UTF-8 and the attribute is not binary, else bytes. */
export type DirectoryValue = string | Buffer;

/** What a directory entry is, by its Zimbra object class (PROTOCOL.md section 7). */
export type DirectoryEntryKind =
  | 'globalConfig'
  | 'server'
  | 'cos'
  | 'domain'
  | 'account'
  | 'calendarResource'
  | 'distributionList'
  | 'dynamicGroup'
  | 'alias'
  | 'other';

/** Every kind, in the order a dump summary lists them. */
export const DIRECTORY_ENTRY_KINDS: readonly DirectoryEntryKind[] = [
  'globalConfig',
  'server',
  'cos',
  'domain',
  'account',
  'calendarResource',
  'distributionList',
  'dynamicGroup',
  'alias',
  'other',
];

/** One LDAP entry: its DN and attributes, values in server order. */
export interface LdifRecord {
  /** Distinguished name as the server spells it. */
  dn: string;
  /** Attribute descriptions (with options such as `;binary`) to their values, in server order. */
  attributes: Record<string, DirectoryValue[]>;
}

/** One entry of a directory dump: an {@link LdifRecord} plus its Zimbra kind. */
export interface DirectoryEntry extends LdifRecord {
  /** The Zimbra kind, derived from `objectClass` by {@link classifyEntry}. */
  kind: DirectoryEntryKind;
}

/**
 * Attributes whose values are bytes whatever they contain. Zimbra `type="binary"` and
 * `type="certificate"` attributes (zimbra-attrs.xml) plus the standard binary ones; compared
 * case-insensitively, and any description with the `;binary` option is binary too.
 */
export const BINARY_ATTRIBUTES: readonly string[] = [
  'thumbnailPhoto',
  'jpegPhoto',
  'photo',
  'audio',
  'userCertificate',
  'cACertificate',
  'userSMIMECertificate',
  'userPKCS12',
  'zimbraPrefMailSMIMECertificate',
  'zimbraSSLDHParam',
  'zimbraAPNSCertificate',
];

const BINARY_LC = new Set(BINARY_ATTRIBUTES.map((a) => a.toLowerCase()));
const utf8 = new TextDecoder('utf-8', { fatal: true });

/** True when values of the attribute description `name` are always kept as bytes. */
export function isBinaryAttribute(name: string, extra?: ReadonlySet<string>): boolean {
  const lc = name.toLowerCase();
  const [base, ...options] = lc.split(';');
  return options.includes('binary') || BINARY_LC.has(base!) || (extra?.has(base!) ?? false);
}

/**
 * Applies the one value rule: binary attributes stay bytes, other values become text when the
 * bytes are valid UTF-8 (which round-trips exactly) and stay bytes otherwise.
 */
export function normalizeValue(name: string, value: DirectoryValue, extra?: ReadonlySet<string>): DirectoryValue {
  if (isBinaryAttribute(name, extra)) return typeof value === 'string' ? Buffer.from(value, 'utf8') : value;
  if (typeof value === 'string') return value;
  try {
    return utf8.decode(value);
  } catch {
    return value;
  }
}

const KIND_BY_CLASS: ReadonlyArray<[string, DirectoryEntryKind]> = [
  ['zimbraglobalconfig', 'globalConfig'],
  ['zimbraserver', 'server'],
  ['zimbracos', 'cos'],
  ['zimbradomain', 'domain'],
  // A calendar resource also carries zimbraAccount, so it is tested first.
  ['zimbracalendarresource', 'calendarResource'],
  ['zimbraaccount', 'account'],
  ['zimbradistributionlist', 'distributionList'],
  ['zimbragroup', 'dynamicGroup'],
  ['zimbraalias', 'alias'],
];

/** The Zimbra kind of an entry, from its `objectClass` values (`other` for containers and the rest). */
export function classifyEntry(record: LdifRecord): DirectoryEntryKind {
  const classes = new Set(getAttributeValues(record, 'objectClass').map((v) => String(v).toLowerCase()));
  for (const [oc, kind] of KIND_BY_CLASS) if (classes.has(oc)) return kind;
  return 'other';
}

/** The values of an attribute, looked up case-insensitively; `[]` when absent. */
export function getAttributeValues(record: LdifRecord, name: string): DirectoryValue[] {
  const lc = name.toLowerCase();
  for (const [k, v] of Object.entries(record.attributes)) if (k.toLowerCase() === lc) return v;
  return [];
}

/** Splits a DN into its RDNs at unescaped commas (RFC 4514); `''` has none. */
export function splitDN(dn: string): string[] {
  const out: string[] = [];
  let cur = '';
  for (let i = 0; i < dn.length; i++) {
    const c = dn[i]!;
    if (c === '\\' && i + 1 < dn.length) {
      cur += c + dn[i + 1]!;
      i++;
    } else if (c === ',') {
      out.push(cur.trim());
      cur = '';
    } else cur += c;
  }
  if (cur.trim() !== '' || out.length > 0) out.push(cur.trim());
  return out;
}

/** A comparison key for DNs: RDNs trimmed, lower-cased, re-joined (enough for one server's output). */
export function dnKey(dn: string): string {
  return splitDN(dn)
    .map((r) => r.toLowerCase())
    .join(',');
}

/** The parent DN's comparison key, or `''` for a top-level entry. */
export function parentDnKey(dn: string): string {
  return splitDN(dn)
    .slice(1)
    .map((r) => r.toLowerCase())
    .join(',');
}

/**
 * Orders entries so each comes after its parent: sorted by depth, an entry is `ready` when its
 * parent is one of `roots`, is top-level, or is an earlier ready entry; the others (whose parent
 * lies elsewhere, e.g. under an account) are `heldBack`, still in depth order.
 */
export function orderParentsFirst<T extends { dn: string }>(
  entries: readonly T[],
  roots: readonly string[],
): { ready: T[]; heldBack: T[] } {
  const sorted = [...entries].sort((a, b) => splitDN(a.dn).length - splitDN(b.dn).length);
  const known = new Set(roots.map(dnKey));
  const ready: T[] = [];
  const heldBack: T[] = [];
  for (const e of sorted) {
    const key = dnKey(e.dn);
    const parent = parentDnKey(e.dn);
    if (known.has(key) || known.has(parent) || parent === '') {
      known.add(key);
      ready.push(e);
    } else heldBack.push(e);
  }
  return { ready, heldBack };
}

/** First value of an attribute of an entry, as text (binary values: undefined); names compare case-insensitively. */
export function entryValue(e: LdifRecord, name: string): string | undefined {
  const lc = name.toLowerCase();
  for (const [k, vs] of Object.entries(e.attributes)) {
    if (k.toLowerCase() !== lc) continue;
    const v = vs[0];
    return typeof v === 'string' ? v : undefined;
  }
  return undefined;
}

/**
 * The mail address of an account or list entry: `mail` or `zimbraMailDeliveryAddress`, else
 * `uid@<domain from the dc= parts of the DN>`; lower-cased.
 */
export function entryAddress(e: LdifRecord): string | undefined {
  const mail = entryValue(e, 'mail') ?? entryValue(e, 'zimbraMailDeliveryAddress');
  if (mail) return mail.toLowerCase();
  const uid = entryValue(e, 'uid');
  const dcs = e.dn
    .split(',')
    .map((p) => p.trim())
    .filter((p) => /^dc=/i.test(p))
    .map((p) => p.slice(3));
  return uid && dcs.length ? `${uid}@${dcs.join('.')}`.toLowerCase() : undefined;
}

/** The domain part of an address, lower-cased. */
export function domainOf(address: string): string {
  return address.slice(address.lastIndexOf('@') + 1).toLowerCase();
}

/**
 * The `userPassword` hash of an entry, if it holds a real one: a `VALUE-BLOCKED` placeholder (what
 * admin SOAP answers instead of the secret, kept by older backups) is no hash, and writing it back
 * would set the password to that word.
 */
export function passwordHash(e: LdifRecord): string | undefined {
  const v = entryValue(e, 'userPassword');
  return v === undefined || v === VALUE_BLOCKED ? undefined : v;
}

/**
 * Operational attributes a dump keeps by default: what `slapcat` writes and `slapadd` restores,
 * so a restored entry keeps its identity and times. (`entryDN`, `hasSubordinates` and
 * `subschemaSubentry` are computed by the server and cannot be restored.)
 * (Here rather than in directory-dump.ts, so that writing and reading dumps does not load the
 * LDAP client.)
 */
export const DEFAULT_OPERATIONAL_ATTRIBUTES: readonly string[] = [
  'entryUUID',
  'entryCSN',
  'createTimestamp',
  'creatorsName',
  'modifyTimestamp',
  'modifiersName',
];
