/**
 * Generates test/fixtures/soapapi-extract.json from Zimbra's machine-readable SOAP API
 * description (`soap/soapdocs/baseline-soapapi-desc.json.gz`, build 10.1.0; a copy lives in
 * ../shared/zimbra-reference/). Only the commands zimbra-backup uses are kept: for each, the
 * request and response element names and, for every type reachable from them, its attributes and
 * child elements with their `required` flags. The emulator conformance test reads the extract.
 *
 * Usage: npx tsx scripts/extract-soapapi.ts [path/to/soapapi-desc.json.gz] [out.json]
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';

/** The SOAP commands we use (Batch is urn:zimbra and absent from the JAXB description). */
const COMMANDS = [
  'Auth',
  'DelegateAuth',
  'GetAccountInfo',
  'GetAllServers',
  'GetAllDomains',
  'GetAllCos',
  'GetAllDistributionLists',
  'GetDistributionList',
  'SearchDirectory',
  'GetAccount',
  'GetMailbox',
  'CreateDomain',
  'CreateCos',
  'CreateAccount',
  'CreateDistributionList',
  'AddDistributionListMember',
  'ModifyAccount',
  'Sync',
  'GetFolder',
  'GetItem',
  'GetTag',
  'GetMsgMetadata',
  'GetContacts',
  'GetAppointment',
  'Search',
  'AddMsg',
  'CreateFolder',
  'CreateTag',
  'CreateContact',
  'SetAppointment',
  'ItemAction',
  'AdminCreateWaitSet',
  'AdminWaitSet',
  'AdminDestroyWaitSet',
  // commands the emulator serves for third-party clients (issue 16)
  'GetInfo',
  'GetPrefs',
  'GetIdentities',
  'GetSignatures',
  'CreateSignature',
  'GetWhiteBlackList',
  'GetVersionInfo',
  'GetRights',
  'NoOp',
  'GetConv',
  'ConvAction',
  'MsgAction',
  'ContactAction',
  'FolderAction',
  'GetMsg',
  'ModifyContact',
  'SaveDocument',
  'SetTask',
  'GetPermission',
  'GetDomain',
  'CountAccount',
  'GetMailboxStats',
  'GetAllMailboxes',
  'GetQuotaUsage',
  'GetAllCalendarResources',
  'GetAllConfig',
  'GetAllAccounts',
  'GetServer',
  'AddAccountAlias',
  'RemoveAccountAlias',
  'AddDistributionListAlias',
  'RemoveDistributionListAlias',
  'RenameAccount',
  'SetPassword',
  'DeleteAccount',
  // restores of notes (served only with localconfig notes_enabled, MailService.java)
  'CreateNote',
];

interface DescAttr {
  name: string;
  required?: boolean;
}
interface DescElement {
  '@class': string;
  name?: string;
  required?: boolean;
  list?: boolean;
  jaxb?: string;
  type?: string;
  subElements?: DescElement[];
}
interface DescType {
  className: string;
  attributes?: DescAttr[];
  subElements?: DescElement[];
  valueType?: unknown;
}
interface DescCommand {
  name: string;
  namespace: string;
  request: { name: string; jaxb: string };
  response: { name: string; jaxb: string };
}
interface Desc {
  buildVersion: string;
  buildDate: string;
  commands: DescCommand[];
  types: DescType[];
}

/** One child element in the extract. */
interface ExtractElement {
  /** Type key in `types` (absent for text-only elements). */
  type?: string;
  /** Text-only element: JSON may write it as a plain property (content disposition). */
  simple?: boolean;
  /** JAXB `required` (a choice member is never required on its own). */
  required: boolean;
  /** Repeated element. */
  list: boolean;
}

/** One type in the extract. */
interface ExtractType {
  attributes: Record<string, { required: boolean }>;
  elements: Record<string, ExtractElement>;
  /** The element carries text content. */
  text: boolean;
}

const [input = '../shared/zimbra-reference/soapapi-desc.json.gz', output = 'test/fixtures/soapapi-extract.json'] =
  process.argv.slice(2);
const desc = JSON.parse(gunzipSync(readFileSync(input)).toString('utf8')) as Desc;
const byClass = new Map(desc.types.map((t) => [t.className, t]));
const types: Record<string, ExtractType> = {};

function short(className: string): string {
  return className.replace(/^com\.zimbra\.soap\./, '');
}

function addElements(owner: string, els: DescElement[] | undefined, out: ExtractType, inChoice: boolean): void {
  for (const e of els ?? []) {
    const kind = e['@class'].split('.').pop();
    if (kind === 'SoapApiElementChoiceInfo') {
      addElements(owner, e.subElements, out, true);
      continue;
    }
    if (!e.name) continue;
    const el: ExtractElement = { required: !inChoice && e.required === true, list: e.list === true };
    if (kind === 'SoapApiSimpleElement') el.simple = true;
    else if (kind === 'SoapApiWrapperElement') {
      const key = `${owner}/${e.name}`;
      el.type = key;
      if (!types[key]) {
        const wrapped: ExtractType = { attributes: {}, elements: {}, text: false };
        types[key] = wrapped;
        addElements(key, e.subElements, wrapped, false);
      }
    } else if (e.jaxb) {
      el.type = short(e.jaxb);
      visit(e.jaxb);
    } else el.simple = true;
    // The same name may appear in several choices; keep the union, required only if always required.
    const prev = out.elements[e.name];
    out.elements[e.name] = prev ? { ...prev, required: prev.required && el.required } : el;
  }
}

function visit(className: string): void {
  const key = short(className);
  if (types[key]) return;
  const t = byClass.get(className);
  const out: ExtractType = { attributes: {}, elements: {}, text: false };
  types[key] = out;
  if (!t) return;
  for (const a of t.attributes ?? []) out.attributes[a.name] = { required: a.required === true };
  out.text = t.valueType !== undefined;
  addElements(key, t.subElements, out, false);
}

const commands: Record<
  string,
  { name: string; namespace: string; request: { name: string; type: string }; response: { name: string; type: string } }
> = {};
for (const c of desc.commands.filter((x) => COMMANDS.includes(x.name))) {
  visit(c.request.jaxb);
  visit(c.response.jaxb);
  commands[`${c.namespace}:${c.name}`] = {
    name: c.name,
    namespace: c.namespace,
    request: { name: c.request.name, type: short(c.request.jaxb) },
    response: { name: c.response.name, type: short(c.response.jaxb) },
  };
}
const missing = COMMANDS.filter((n) => !Object.values(commands).some((c) => c.name === n));
if (missing.length) throw new Error(`commands not in the description: ${missing.join(', ')}`);

const sorted = <T>(o: Record<string, T>): Record<string, T> =>
  Object.fromEntries(Object.entries(o).sort(([a], [b]) => a.localeCompare(b)));
const extract = {
  source: 'Zimbra/zm-mailbox soap/soapdocs/baseline-soapapi-desc.json.gz (generated by scripts/extract-soapapi.ts)',
  buildVersion: desc.buildVersion,
  buildDate: desc.buildDate,
  commands: sorted(commands),
  types: sorted(
    Object.fromEntries(
      Object.entries(types).map(([k, v]) => [
        k,
        { ...v, attributes: sorted(v.attributes), elements: sorted(v.elements) },
      ]),
    ),
  ),
};
writeFileSync(output, `${JSON.stringify(extract, null, 1)}\n`);
process.stdout.write(`${Object.keys(commands).length} commands, ${Object.keys(types).length} types -> ${output}\n`);
