/**
 * Generates the small Zimbra-like OpenLDAP schema the live LDAP tests load into a throwaway slapd
 * (test/fixtures/ldap/zimbra-test.schema), from Zimbra's own attribute and object-class
 * definitions (zimbra-attrs.xml, zimbra-ocs.xml).
 *
 * It follows Zimbra's generator (zm-mailbox AttributeManagerUtil, `generateLdapSchema`): attribute
 * OIDs are 1.3.6.1.4.1.19348.2.1.<id>, object-class OIDs 1.3.6.1.4.1.19348.2.2.<id>, syntaxes are
 * chosen by the attribute's `type=`, and an object class's MUST/MAY lists come from the
 * `requiredIn`/`optionalIn` of every attribute. Only the attributes a backup exercises are emitted,
 * so the MAY lists are trimmed to them; a real Zimbra server has ~1,900 attributes.
 *
 * Usage: npx tsx scripts/gen-ldap-schema.ts [--in DIR] [--out FILE]
 *   --in   directory holding zimbra-attrs.xml and zimbra-ocs.xml (default ../shared/zimbra-reference)
 *   --out  output file (default test/fixtures/ldap/zimbra-test.schema; "-" for stdout)
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { XMLParser } from 'fast-xml-parser';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const ATTR_OID = '1.3.6.1.4.1.19348.2.1';
const OC_OID = '1.3.6.1.4.1.19348.2.2';

/** Attributes a backup reads or the tests set; anything an emitted class requires is added. */
const WANTED_ATTRS = [
  'zimbraId',
  'zimbraAccountStatus',
  'zimbraMailHost',
  'zimbraMailDeliveryAddress',
  'zimbraCOSId',
  'zimbraMailAlias',
  'zimbraMailTransport',
  'zimbraDomainName',
  'zimbraDomainDefaultCOSId',
  'zimbraServiceHostname',
  'zimbraServiceEnabled',
  'zimbraMailForwardingAddress',
  'zimbraMemberOf',
  'zimbraMailQuota',
  'zimbraPrefMailForwardingAddress',
  'zimbraAliasTargetId',
  'zimbraCreateTimestamp',
  'zimbraMailStatus',
  'zimbraDomainType',
  'zimbraDomainStatus',
  'zimbraPreAuthKey',
  'zimbraIsAdminAccount',
  'zimbraHideInGal',
  'zimbraNotes',
  'zimbraCalResLocationDisplayName',
  // type="binary" (OctetString): the attribute the binary round-trip test uses.
  'thumbnailPhoto',
];

/** Object classes of the Zimbra DIT a backup dumps (PROTOCOL.md section 7). */
const WANTED_OCS = [
  'zimbraMailRecipient',
  'zimbraAccount',
  'zimbraCalendarResource',
  'zimbraDomain',
  'zimbraCOS',
  'zimbraDistributionList',
  'zimbraGroup',
  'zimbraServer',
  'zimbraGlobalConfig',
  'zimbraAlias',
];

/** Short class names used by requiredIn/optionalIn (zm-mailbox AttributeClass). */
const CLASS_KEY: Record<string, string> = {
  zimbraMailRecipient: 'mailRecipient',
  zimbraAccount: 'account',
  zimbraCalendarResource: 'calendarResource',
  zimbraDomain: 'domain',
  zimbraCOS: 'cos',
  zimbraDistributionList: 'distributionList',
  zimbraGroup: 'group',
  zimbraServer: 'server',
  zimbraGlobalConfig: 'globalConfig',
  zimbraAlias: 'alias',
};

/** Non-Zimbra attributes that OpenLDAP's core, cosine, inetorgperson and dyngroup schemas define. */
const STANDARD_ATTRS = new Set(['cn', 'uid', 'sn', 'displayName', 'givenName', 'mail', 'description', 'memberURL']);

interface AttrDef {
  name: string;
  id?: number;
  type: string;
  max?: number;
  value?: string;
  cardinality?: string;
  requiredIn: string[];
  optionalIn: string[];
  desc: string;
}

interface OcDef {
  name: string;
  id: number;
  type: string;
  sup: string;
  desc: string;
}

function list(v: unknown): string[] {
  return typeof v === 'string' && v.trim() !== '' ? v.split(',').map((s) => s.trim()) : [];
}

function text(v: unknown): string {
  const s =
    typeof v === 'object' && v !== null ? String((v as Record<string, unknown>)['#text'] ?? '') : String(v ?? '');
  const flat = s.replace(/\s+/g, ' ').trim();
  // Some Zimbra descriptions are whole pages; the schema only needs a hint.
  return flat.length > 200 ? `${flat.slice(0, 197).trimEnd()}...` : flat;
}

function loadAttrs(file: string): Map<string, AttrDef> {
  const xml = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '', isArray: (n) => n === 'attr' });
  const doc = xml.parse(readFileSync(file, 'utf8')) as { attrs: { attr: Array<Record<string, unknown>> } };
  const out = new Map<string, AttrDef>();
  for (const a of doc.attrs.attr) {
    const def: AttrDef = {
      name: String(a['name']),
      type: String(a['type'] ?? 'string'),
      requiredIn: list(a['requiredIn']),
      optionalIn: list(a['optionalIn']),
      desc: text(a['desc']),
    };
    if (a['id'] !== undefined) def.id = Number(a['id']);
    if (a['max'] !== undefined) def.max = Number(a['max']);
    if (a['value'] !== undefined) def.value = String(a['value']);
    if (a['cardinality'] !== undefined) def.cardinality = String(a['cardinality']);
    out.set(def.name, def);
  }
  return out;
}

function loadOcs(file: string): Map<string, OcDef> {
  const xml = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '', isArray: (n) => n === 'objectclass' });
  const doc = xml.parse(readFileSync(file, 'utf8')) as {
    objectclasses: { objectclass: Array<Record<string, unknown>> };
  };
  const out = new Map<string, OcDef>();
  for (const o of doc.objectclasses.objectclass) {
    out.set(String(o['name']), {
      name: String(o['name']),
      id: Number(o['id']),
      type: String(o['type']),
      sup: text(o['sup']) || 'top',
      desc: text(o['desc']),
    });
  }
  return out;
}

/** RFC 4512 qdstring escaping, as Zimbra's generator does it. */
function dstring(s: string): string {
  return s.replace(/\\/g, '\\5C').replace(/'/g, '\\27');
}

function lengthSuffix(a: AttrDef): string {
  return a.max !== undefined && Number.isFinite(a.max) ? `{${a.max}}` : '';
}

/** Syntax and matching rules by Zimbra type (AttributeManagerUtil.buildAttrDef). */
function syntaxOf(a: AttrDef): { syntax: string; equality?: string; substr?: string; ordering?: string } {
  const S = '1.3.6.1.4.1.1466.115.121.1';
  switch (a.type) {
    case 'boolean':
      return { syntax: `${S}.7`, equality: 'booleanMatch' };
    case 'binary':
    case 'ostring':
      return { syntax: `${S}.40${lengthSuffix(a)}`, equality: 'octetStringMatch' };
    case 'certificate':
      return { syntax: `${S}.8${lengthSuffix(a)}`, equality: 'certificateExactMatch' };
    case 'email':
    case 'emailp':
    case 'cs_emailp':
      return { syntax: `${S}.26{256}`, equality: 'caseIgnoreIA5Match', substr: 'caseIgnoreSubstringsMatch' };
    case 'gentime':
      return { syntax: `${S}.24`, equality: 'generalizedTimeMatch', ordering: 'generalizedTimeOrderingMatch' };
    case 'id':
      return { syntax: `${S}.15{256}`, equality: 'caseIgnoreMatch', substr: 'caseIgnoreSubstringsMatch' };
    case 'duration':
      return { syntax: `${S}.26{32}`, equality: 'caseIgnoreIA5Match' };
    case 'enum': {
      const longest = Math.max(32, ...list(a.value).map((v) => v.length));
      return { syntax: `${S}.15{${longest}}`, equality: 'caseIgnoreMatch', substr: 'caseIgnoreSubstringsMatch' };
    }
    case 'integer':
    case 'port':
    case 'long':
      return { syntax: `${S}.27`, equality: 'integerMatch' };
    case 'string':
    case 'regex':
      return { syntax: `${S}.15${lengthSuffix(a)}`, equality: 'caseIgnoreMatch', substr: 'caseIgnoreSubstringsMatch' };
    case 'astring':
      return {
        syntax: `${S}.26${lengthSuffix(a)}`,
        equality: 'caseIgnoreIA5Match',
        substr: 'caseIgnoreSubstringsMatch',
      };
    case 'cstring':
      return { syntax: `${S}.15${lengthSuffix(a)}`, equality: 'caseExactMatch', substr: 'caseExactSubstringsMatch' };
    case 'phone':
      return {
        syntax: `${S}.50${lengthSuffix(a)}`,
        equality: 'telephoneNumberMatch',
        substr: 'telephoneNumberSubstringsMatch',
      };
    default:
      throw new Error(`unknown attribute type ${a.type} on ${a.name}`);
  }
}

function attributeType(a: AttrDef): string {
  const s = syntaxOf(a);
  const lines = [
    `attributetype ( ${ATTR_OID}.${a.id}`,
    `  NAME '${a.name}'`,
    `  DESC '${dstring(a.desc)}'`,
    `  SYNTAX ${s.syntax}`,
  ];
  if (s.equality) lines.push(`  EQUALITY ${s.equality}`);
  if (s.substr) lines.push(`  SUBSTR ${s.substr}`);
  if (s.ordering) lines.push(`  ORDERING ${s.ordering}`);
  if (a.cardinality === 'single') lines.push('  SINGLE-VALUE');
  return `${lines.join('\n')} )`;
}

function attrList(names: string[]): string {
  return names.length === 1 ? names[0]! : `( ${names.join(' $ ')} )`;
}

function objectClass(oc: OcDef, must: string[], may: string[]): string {
  const lines = [
    `objectclass ( ${OC_OID}.${oc.id}`,
    `  NAME '${oc.name}'`,
    `  DESC '${dstring(oc.desc)}'`,
    `  SUP ${oc.sup} ${oc.type}`,
  ];
  if (must.length) lines.push(`  MUST ${attrList(must)}`);
  if (may.length) lines.push(`  MAY ${attrList(may)}`);
  return `${lines.join('\n')} )`;
}

/** Builds the schema text; exported for a test that checks it matches the committed fixture. */
export function generateSchema(attrsXml: string, ocsXml: string): string {
  const attrs = loadAttrs(attrsXml);
  const ocs = loadOcs(ocsXml);
  const keys = new Set(WANTED_OCS.map((n) => CLASS_KEY[n]!));
  const chosen = new Set(WANTED_ATTRS);
  // Every attribute an emitted class requires must exist, or slapd refuses the class.
  for (const a of attrs.values()) if (a.requiredIn.some((k) => keys.has(k))) chosen.add(a.name);
  const emitted: AttrDef[] = [];
  for (const name of chosen) {
    const a = attrs.get(name);
    if (!a) throw new Error(`attribute ${name} is not in zimbra-attrs.xml`);
    if (a.id === undefined) {
      if (!STANDARD_ATTRS.has(name))
        throw new Error(`attribute ${name} has no Zimbra id and no standard schema defines it`);
      continue;
    }
    emitted.push(a);
  }
  emitted.sort((x, y) => x.id! - y.id!);
  const out = [
    '# Zimbra-like test schema for OpenLDAP (slapd.conf format).',
    '# GENERATED by scripts/gen-ldap-schema.ts from zimbra-attrs.xml and zimbra-ocs.xml: do not edit.',
    '# A subset of the schema Zimbra generates (zm-mailbox AttributeManagerUtil), same OIDs:',
    `#   ${ATTR_OID}.<id> attribute types, ${OC_OID}.<id> object classes.`,
    '# Needs core, cosine, inetorgperson and dyngroup included first.',
    '',
  ];
  for (const a of emitted) out.push(attributeType(a), '');
  for (const name of WANTED_OCS) {
    const oc = ocs.get(name);
    if (!oc) throw new Error(`object class ${name} is not in zimbra-ocs.xml`);
    const key = CLASS_KEY[name]!;
    const usable = (a: AttrDef): boolean => (a.id !== undefined && chosen.has(a.name)) || STANDARD_ATTRS.has(a.name);
    const all = [...attrs.values()].filter(usable);
    const must = all
      .filter((a) => a.requiredIn.includes(key))
      .map((a) => a.name)
      .sort();
    const may = all
      .filter((a) => a.optionalIn.includes(key) && !must.includes(a.name))
      .map((a) => a.name)
      .sort();
    out.push(objectClass(oc, must, may), '');
  }
  return out.join('\n');
}

function main(): void {
  const { values } = parseArgs({ options: { in: { type: 'string' }, out: { type: 'string' } } });
  const inDir = resolve(ROOT, values.in ?? '../shared/zimbra-reference');
  const schema = generateSchema(resolve(inDir, 'zimbra-attrs.xml'), resolve(inDir, 'zimbra-ocs.xml'));
  const out = values.out ?? resolve(ROOT, 'test/fixtures/ldap/zimbra-test.schema');
  if (out === '-') process.stdout.write(schema);
  else writeFileSync(out, schema);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main();
