// Checks the emulator's JSON responses against Zimbra's own API description (a committed extract
// of soapapi-desc.json.gz, see scripts/extract-soapapi.ts): every attribute and element name the
// emulator writes must exist for that response type, and required attributes must be present.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type Emulator } from '../../src/emulator/index.js';
import type { SoapElement } from '../../src/soap/element.js';
import { JsonTransport } from '../../src/soap/transports/json.js';
import { Secret } from '../../src/internal/secret.js';
import { registeredCommands } from '../../src/emulator/handlers/registry.js';

interface ExtractElement {
  type?: string;
  simple?: boolean;
  required: boolean;
  list: boolean;
}
interface ExtractType {
  attributes: Record<string, { required: boolean }>;
  elements: Record<string, ExtractElement>;
  text: boolean;
}
interface Extract {
  commands: Record<string, { name: string; namespace: string; response: { name: string; type: string } }>;
  types: Record<string, ExtractType>;
}

const extract = JSON.parse(
  readFileSync(fileURLToPath(new URL('../fixtures/soapapi-extract.json', import.meta.url)), 'utf8'),
) as Extract;

/**
 * JAXB marks many elements `required` that real servers omit (AuthResponse `refer`/`csrfToken`
 * are conditional, PROTOCOL.md 1a; SyncResponse `deleted` is absent on initial sync, 2b; message
 * summaries in sync carry no `su`/`fr`/`e`, 2c). So element presence is checked only for these,
 * which every real response carries.
 */
const REQUIRED_ELEMENTS: Record<string, string[]> = {
  'account.message.AuthResponse': ['authToken'],
  'admin.message.AuthResponse': ['authToken'],
  'admin.message.DelegateAuthResponse': ['authToken'],
  'admin.message.GetAccountResponse': ['account'],
  'admin.message.GetMailboxResponse': ['mbox'],
  'admin.message.CreateAccountResponse': ['account'],
  'admin.message.CreateDomainResponse': ['domain'],
  'admin.message.CreateCosResponse': ['cos'],
  'admin.message.CreateDistributionListResponse': ['dl'],
  'admin.message.GetDistributionListResponse': ['dl'],
  'admin.message.ModifyAccountResponse': ['account'],
  'mail.message.GetFolderResponse': ['folder'],
  'mail.message.AddMsgResponse': ['m'],
  'mail.message.CreateFolderResponse': ['folder'],
  'mail.message.CreateTagResponse': ['tag'],
  'mail.message.CreateContactResponse': ['cn'],
  'mail.message.ItemActionResponse': ['action'],
};

/**
 * Where the JAXB description is narrower than the wire: SyncFolder's nested `folder` is typed
 * Folder, but an initial SyncResponse nests SyncFolders (with `<m ids>` lists) at every level
 * (Sync.java initialSync; PROTOCOL.md 2b); and folder 8 lists full `<tag id name color…>` elements
 * there, not the `TagIdsAttr` (`<tag ids>`) the description names.
 */
const CHILD_TYPE_OVERRIDES: Record<string, Record<string, string>> = {
  'mail.type.SyncFolder': { folder: 'mail.type.SyncFolder', tag: 'mail.type.TagInfo' },
};

/**
 * Emulator discrepancies already reported to the lead (each checked against zm-mailbox ToXML.java);
 * tolerated here so that the test keeps catching new ones. Remove an entry when the emulator is fixed.
 */
/** Emulator discrepancies found and not yet fixed (none now: the two found were fixed). */
const REPORTED: string[] = [];

/**
 * Attributes the real handler writes that the JAXB type does not declare: ToXML.
 * encodeConversationSummary adds `d` and `u` to every conversation, GetConv's too.
 */
const WIRE_EXTRA_ATTRS: Record<string, string[]> = { 'mail.type.ConversationInfo': ['d', 'u'] };

/** JSON-only spellings: `_attrs` stands for `<a n>` key/value children (Element.addKeyValuePair). */
function check(typeKey: string, el: SoapElement, path: string, problems: string[]): void {
  const t = extract.types[typeKey];
  if (!t) {
    problems.push(`${path}: type ${typeKey} missing from the extract`);
    return;
  }
  for (const [k, v] of Object.entries(el)) {
    if (k === '_jsns' || k === '_content') continue;
    if (k === '_attrs') {
      if (!t.elements['a'] && !t.elements['attr'] && !t.elements['pref'])
        problems.push(`${path}: _attrs not allowed on ${typeKey}`);
      continue;
    }
    const isScalar = typeof v !== 'object' || v === null;
    if (isScalar) {
      // ZmBoolean elements are written as content-disposition values (JSON scalars)
      const scalarElement = t.elements[k]?.simple || t.elements[k]?.type === 'type.ZmBoolean';
      if (!t.attributes[k] && !scalarElement && !WIRE_EXTRA_ATTRS[typeKey]?.includes(k))
        problems.push(`${path}@${k}: not an attribute of ${typeKey}`);
      continue;
    }
    const e = t.elements[k];
    if (!e) {
      problems.push(`${path}/${k}: not an element of ${typeKey}`);
      continue;
    }
    const childType = CHILD_TYPE_OVERRIDES[typeKey]?.[k] ?? e.type;
    if (childType)
      for (const [i, c] of (Array.isArray(v) ? v : [v]).entries())
        check(childType, c as SoapElement, `${path}/${k}[${i}]`, problems);
  }
  for (const [a, spec] of Object.entries(t.attributes)) {
    if (spec.required && el[a] === undefined) problems.push(`${path}@${a}: required attribute missing (${typeKey})`);
  }
  for (const name of REQUIRED_ELEMENTS[typeKey] ?? []) {
    if (el[name] === undefined) problems.push(`${path}/${name}: required element missing (${typeKey})`);
  }
}

const json = new JsonTransport();
let emu: Emulator;
let adminToken: string;
let annId: string;
const seen = new Set<string>();
const problems: string[] = [];

/** Sends one raw JSON request and checks the response element against the extract. */
async function call(
  namespace: string,
  name: string,
  body: SoapElement,
  opts: { admin?: boolean; token?: string; account?: string } = {},
): Promise<SoapElement> {
  const url = `${opts.admin === false ? emu.url : emu.adminUrl}${opts.admin === false ? '/service/soap' : '/service/admin/soap'}`;
  const payload = json.encode({
    name: `${name}Request`,
    namespace,
    body,
    context: {
      ...(opts.token ? { authToken: new Secret(opts.token) } : {}),
      ...(opts.account ? { account: { by: 'name', value: opts.account } } : {}),
      userAgent: { name: 'conformance' },
    },
  });
  const res = await fetch(url, { method: 'POST', body: payload, headers: { 'content-type': 'application/json' } });
  expect(res.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
  const env = json.decode(await res.text());
  const resp = env.body[`${name}Response`] as SoapElement | undefined;
  if (!resp) throw new Error(`${name}: no response (${JSON.stringify(env.body).slice(0, 300)})`);
  const cmd = extract.commands[`${namespace}:${name}`];
  if (!cmd) throw new Error(`${namespace}:${name} not in the extract`);
  seen.add(`${namespace}:${name}`);
  check(cmd.response.type, resp, cmd.response.name, problems);
  return resp;
}

const admin = (name: string, body: SoapElement = {}) => call('urn:zimbraAdmin', name, body, { token: adminToken });
const mail = (name: string, body: SoapElement = {}) =>
  call('urn:zimbraMail', name, body, { token: adminToken, account: 'ann@example.test' });

beforeAll(async () => {
  emu = await startEmulator();
  annId = emu.createAccount('ann@example.test', 'ann-pw').id;
  emu.createAccount('bob@example.test', 'bob-pw');
  emu.deliver('ann@example.test', 'Subject: one\r\n\r\nbody\r\n', { flags: 'u', tags: ['work'] });
  emu.addContact('ann@example.test', { firstName: 'Ann', email: 'a@x.test' });
  const auth = await call('urn:zimbraAdmin', 'Auth', { name: emu.adminUser, password: emu.adminPassword });
  adminToken = ((auth['authToken'] as SoapElement[])[0]!['_content'] as string) ?? '';
});
afterAll(async () => {
  await emu?.close();
});

describe('emulator responses conform to the Zimbra API description', () => {
  it('auth and directory commands', async () => {
    await call(
      'urn:zimbraAccount',
      'Auth',
      { account: { by: 'name', _content: 'ann@example.test' }, password: { _content: 'ann-pw' } },
      { admin: false },
    );
    await admin('DelegateAuth', { duration: 600, account: { by: 'name', _content: 'ann@example.test' } });
    await admin('GetAccountInfo', { account: { by: 'name', _content: 'ann@example.test' } });
    await admin('GetAllServers');
    await admin('GetAllDomains');
    await admin('GetAllCos');
    await admin('SearchDirectory', { query: '', types: 'accounts', limit: 10, offset: 0 });
    await admin('GetAccount', { account: { by: 'id', _content: annId } });
    await admin('GetMailbox', { mbox: { id: annId } });
    await admin('CreateDomain', { name: 'conf.test', a: [{ n: 'description', _content: 'x' }] });
    await admin('CreateCos', { name: 'conf-cos' });
    const acct = await admin('CreateAccount', {
      name: 'carl@conf.test',
      password: 'pw',
      a: [{ n: 'displayName', _content: 'Carl' }],
    });
    const carlId = ((acct['account'] as SoapElement[])[0]!['id'] as string) ?? '';
    await admin('ModifyAccount', { id: carlId, a: [{ n: 'displayName', _content: 'Carl II' }] });
    const dl = await admin('CreateDistributionList', { name: 'list@conf.test' });
    const dlId = ((dl['dl'] as SoapElement[])[0]!['id'] as string) ?? '';
    await admin('AddDistributionListMember', { id: dlId, dlm: [{ _content: 'ann@example.test' }] });
    await admin('GetAllDistributionLists');
    await admin('GetDistributionList', { dl: { by: 'id', _content: dlId } });
  });

  it('mailbox commands', async () => {
    const initial = await mail('Sync', { typed: 1 });
    emu.deliver('ann@example.test', 'Subject: two\r\n\r\nbody\r\n');
    const id = emu.deliver('ann@example.test', 'Subject: three\r\n\r\nbody\r\n');
    emu.setFlags('ann@example.test', id, 'f');
    emu.deleteItem('ann@example.test', id - 1);
    await mail('Sync', { typed: 1, token: String(initial['token']) });
    await mail('GetFolder');
    await mail('GetTag');
    await mail('GetMsgMetadata', { m: { ids: String(id) } });
    await mail('GetItem', { item: { id: String(id) } });
    await mail('GetContacts', { sync: 1 });
    await mail('Search', { query: 'in:inbox', types: 'message', limit: 10 });
    const f = await mail('CreateFolder', { folder: { name: 'Conf', l: '1', fie: 1 } });
    await mail('CreateTag', { tag: { name: 'conf', color: 2 } });
    await mail('CreateContact', { verbose: 1, cn: { l: '7', a: [{ n: 'firstName', _content: 'Bo' }] } });
    // served only with localconfig notes_enabled (MailService.java; CreateNote.java)
    emu.setNotesEnabled(true);
    await mail('CreateNote', { note: { l: '2', content: 'conformance note', pos: '1,2,3,4', color: 3 } });
    emu.setNotesEnabled(false);
    await mail('AddMsg', { m: { l: '2', f: 'u', content: { _content: 'Subject: added\r\n\r\nx\r\n' } } });
    await mail('ItemAction', {
      action: { id: String(id), op: 'move', l: String((f['folder'] as SoapElement[])[0]!['id']) },
    });
    const ics =
      'BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:conf-1\r\nDTSTAMP:20240101T000000Z\r\nDTSTART:20240102T100000Z\r\nDTEND:20240102T110000Z\r\nSUMMARY:x\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n';
    const appt = await mail('SetAppointment', {
      l: '10',
      default: { ptst: 'AC', m: { mp: { ct: 'text/calendar', content: { _content: ics } } } },
    });
    await mail('GetAppointment', { id: String(appt['calItemId']), sync: 1 });
  });

  it('WaitSet commands', async () => {
    const ws = await admin('AdminCreateWaitSet', { defTypes: 'all', allAccounts: 1 });
    await admin('AdminWaitSet', { waitSet: String(ws['waitSet']), seq: String(ws['seq']), block: 0 });
    await admin('AdminDestroyWaitSet', { waitSet: String(ws['waitSet']) });
  });

  // The rest of what the emulator registers (issue 16): every command it lists as implemented
  // answers in the shape of its JAXB response type.
  it('every other registered command', async () => {
    const acct = (name: string, body: SoapElement = {}) =>
      call('urn:zimbraAccount', name, body, { token: adminToken, account: 'ann@example.test' });
    await acct('GetInfo');
    await acct('GetAccountInfo', { account: { by: 'name', _content: 'bob@example.test' } });
    await acct('GetPrefs');
    await acct('GetIdentities');
    await acct('CreateSignature', { signature: { name: 'sig', content: [{ type: 'text/plain', _content: 'x' }] } });
    await acct('GetSignatures');
    await acct('GetWhiteBlackList');
    await acct('GetRights');
    // account GetVersionInfo answers PERM_DENIED on a stock server (zimbraSoapExposeVersion FALSE):
    // a fault is its documented answer, so it is checked for that and counted as exercised
    const version = await fetch(`${emu.url}/service/soap`, {
      method: 'POST',
      body: JSON.stringify({
        Header: { context: { _jsns: 'urn:zimbra', authToken: adminToken } },
        Body: { GetVersionInfoRequest: { _jsns: 'urn:zimbraAccount' } },
      }),
    });
    expect(await version.text()).toContain('service.PERM_DENIED');
    seen.add('urn:zimbraAccount:GetVersionInfo');
    await mail('NoOp');
    await mail('GetPermission');
    const id = emu.deliver('ann@example.test', 'Subject: conv\r\n\r\nbody\r\n');
    await mail('GetMsg', { m: { id: String(id) } });
    await mail('GetConv', { c: { id: String(-id) } });
    await mail('ConvAction', { action: { id: String(-id), op: 'read' } });
    await mail('MsgAction', { action: { id: String(id), op: 'flag' } });
    const cn = emu.addContact('ann@example.test', { firstName: 'Cy' });
    await mail('ModifyContact', { cn: { id: String(cn), a: [{ n: 'lastName', _content: 'Z' }] } });
    await mail('ContactAction', { action: { id: String(cn), op: 'tag', tn: 'work' } });
    await mail('FolderAction', {
      action: { id: '2', op: 'grant', grant: { gt: 'usr', d: 'bob@example.test', perm: 'r' } },
    });
    const ics =
      'BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VTODO\r\nUID:conf-t\r\nDTSTAMP:20240101T000000Z\r\nSUMMARY:t\r\nEND:VTODO\r\nEND:VCALENDAR\r\n';
    await mail('SetTask', {
      l: '15',
      default: { ptst: 'NE', m: { mp: { ct: 'text/calendar', content: { _content: ics } } } },
    });
    const up = await fetch(`${emu.url}/service/upload?fmt=raw`, {
      method: 'POST',
      headers: {
        cookie: `ZM_AUTH_TOKEN=${adminToken}`,
        'content-type': 'text/plain',
        'content-disposition': 'attachment; filename="n.txt"',
      },
      body: 'note',
    });
    const aid = /'([^']+)'\s*$/.exec((await up.text()).trim())?.[1] ?? '';
    await call('urn:zimbraMail', 'SaveDocument', { doc: { l: '16', upload: { id: aid } } }, { token: adminToken });
    await admin('NoOp');
    await admin('GetVersionInfo');
    await admin('GetServer', { server: { by: 'name', _content: 'mail.example.test' } });
    await admin('GetAllAccounts');
    await admin('GetDomain', { domain: { by: 'name', _content: 'example.test' } });
    await admin('CountAccount', { domain: { by: 'name', _content: 'example.test' } });
    await admin('GetMailboxStats');
    await admin('GetAllMailboxes', { limit: 10 });
    await admin('GetQuotaUsage', { domain: 'example.test' });
    await admin('GetAllCalendarResources');
    await admin('GetAllConfig');
    const bob = emu.accounts().find((a) => a.name === 'bob@example.test')!;
    await admin('AddAccountAlias', { id: bob.id, alias: 'robert@example.test' });
    await admin('RemoveAccountAlias', { id: bob.id, alias: 'robert@example.test' });
    const list = emu.createDistributionList('conform@example.test', []);
    await admin('AddDistributionListAlias', { id: list.id, alias: 'conform-alias@example.test' });
    await admin('RemoveDistributionListAlias', { id: list.id, alias: 'conform-alias@example.test' });
    await admin('SetPassword', { id: bob.id, newPassword: 'new-pw' });
    await admin('RenameAccount', { id: bob.id, newName: 'bobby@example.test' });
    await admin('DeleteAccount', { id: bob.id });
    // every registered command (BatchRequest is urn:zimbra, outside the JAXB description) was run
    const registered = registeredCommands().filter((c) => c !== 'urn:zimbra:Batch');
    expect(registered.filter((c) => !seen.has(c))).toEqual([]);
    expect(registered.filter((c) => !extract.commands[c])).toEqual([]);
  });

  it('found no unknown names and no missing required attributes', () => {
    const known = problems.filter((p) => REPORTED.some((r) => p.endsWith(r)));
    if (known.length) console.warn(`known emulator discrepancies (reported):\n  ${[...new Set(known)].join('\n  ')}`);
    expect(problems.filter((p) => !known.includes(p))).toEqual([]);
  });

  it('the checker itself flags unknown names and missing required attributes', () => {
    const found: string[] = [];
    check('mail.type.TagInfo', { name: 'x', bogus: '1', child: [{}] }, 'tag', found);
    expect(found).toEqual([
      'tag@bogus: not an attribute of mail.type.TagInfo',
      'tag/child: not an element of mail.type.TagInfo',
      'tag@id: required attribute missing (mail.type.TagInfo)',
    ]);
  });

  it('covered every command of the extract the emulator implements', () => {
    const registered = new Set(registeredCommands());
    const wanted = Object.keys(extract.commands).filter((k) => registered.has(k));
    expect([...seen].sort()).toEqual(wanted.sort());
  });
});
