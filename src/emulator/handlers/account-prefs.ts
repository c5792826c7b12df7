/**
 * urn:zimbraAccount preferences and per-account objects: GetPrefsRequest, GetIdentitiesRequest,
 * GetSignaturesRequest, CreateSignatureRequest and GetWhiteBlackListRequest, with the encoders
 * GetInfo shares (`service/account/GetPrefs.java`, `ToXML.encodeIdentity/encodeSignature`).
 */
import { randomUUID } from 'node:crypto';
import type { AccountEntry } from '../model/directory.js';
import type { Element } from '../wire/element.js';
import { SoapFault, faults } from '../wire/soap-fault.js';
import { NS, response, targetAccount, type HandlerSpec } from './context.js';

/** Preferences every account has through its COS on a stock server (values of zimbra-attrs.xml). */
export const DEFAULT_PREFS: Record<string, string> = {
  zimbraPrefMailPollingInterval: '5m',
  zimbraPrefMailInitialSearch: 'in:inbox',
  zimbraPrefGroupMailBy: 'conversation',
  zimbraPrefLocale: 'en_US',
  zimbraPrefTimeZoneId: 'America/Los_Angeles',
  zimbraPrefIncludeTrashInSearch: 'FALSE',
  zimbraPrefIncludeSpamInSearch: 'FALSE',
};

/** The account's `zimbraPref*` values over the defaults, as `GetPrefs.doPrefs` lists them. */
export function prefsOf(acct: AccountEntry): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  const own = Object.entries(acct.attrs).filter(([k]) => k.startsWith('zimbraPref'));
  for (const [k, v] of Object.entries(DEFAULT_PREFS)) if (!acct.attrs[k]) out.push([k, v]);
  for (const [k, values] of own) for (const v of values) out.push([k, v]);
  return out.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
}

/** `<prefs>`/`GetPrefsResponse` content: `<pref name="k">v</pref>` in XML, `_attrs` in JSON. */
export function encodePrefs(el: Element, acct: AccountEntry, only?: Set<string>): Element {
  el.kvXml = { el: 'pref', key: 'name' };
  for (const [k, v] of prefsOf(acct)) if (!only || only.has(k)) el.pair(k, v);
  return el;
}

/** The DEFAULT identity every account has (`Account.getDefaultIdentity`). */
export function encodeIdentities(parent: Element, acct: AccountEntry): void {
  const id = parent.add('identity').attr('name', 'DEFAULT').attr('id', acct.id);
  const attrs: Array<[string, string]> = [
    ['zimbraPrefIdentityName', 'DEFAULT'],
    ['zimbraPrefIdentityId', acct.id],
    ['zimbraPrefFromAddress', acct.attrs['zimbraPrefFromAddress']?.[0] ?? acct.name],
  ];
  const display = acct.attrs['zimbraPrefFromDisplay']?.[0] ?? acct.attrs['displayName']?.[0];
  if (display) attrs.push(['zimbraPrefFromDisplay', display]);
  for (const [k, v] of attrs) id.add('a').attr('name', k).setContent(v);
}

const SIGNATURE_TYPES: Record<string, string> = {
  'text/plain': 'zimbraPrefMailSignature',
  'text/html': 'zimbraPrefMailSignatureHTML',
};

/** `<signature name id><content type>text</content>...</signature>` per signature. */
export function encodeSignatures(parent: Element, acct: AccountEntry): void {
  for (const sig of acct.signatures) {
    const el = parent.add('signature').attr('name', sig.name).attr('id', sig.id);
    for (const [type, attr] of Object.entries(SIGNATURE_TYPES)) {
      const v = sig.attrs[attr];
      if (v !== undefined) el.add('content').attr('type', type).setContent(v);
    }
    const contactId = sig.attrs['zimbraPrefMailSignatureContactId'];
    if (contactId !== undefined) el.add('cid').setContent(contactId);
  }
}

const handlers: HandlerSpec[] = [
  {
    name: 'GetPrefsRequest',
    ns: NS.account,
    handle(req, ctx) {
      const acct = targetAccount(ctx);
      const wanted = req.all('pref').map((p) => p.get('name') ?? '');
      return encodePrefs(response(req, NS.account), acct, wanted.length > 0 ? new Set(wanted) : undefined);
    },
  },
  {
    name: 'GetIdentitiesRequest',
    ns: NS.account,
    handle(req, ctx) {
      const r = response(req, NS.account);
      encodeIdentities(r, targetAccount(ctx));
      return r;
    },
  },
  {
    name: 'GetSignaturesRequest',
    ns: NS.account,
    handle(req, ctx) {
      const r = response(req, NS.account);
      encodeSignatures(r, targetAccount(ctx));
      return r;
    },
  },
  {
    // account/CreateSignature.java + LdapProvisioning.createSignature: one content per type,
    // unique names, at most zimbraSignatureMaxNumEntries (20) signatures
    name: 'CreateSignatureRequest',
    ns: NS.account,
    handle(req, ctx) {
      const acct = targetAccount(ctx);
      const spec = req.child('signature');
      const name = spec?.get('name');
      if (!spec || name === undefined) throw faults.invalidRequest('missing required attribute: name');
      const attrs: Record<string, string> = {};
      for (const c of spec.all('content')) {
        const type = c.get('type') ?? '';
        const attr = SIGNATURE_TYPES[type];
        if (!attr) throw faults.invalidRequest(`invalid type ${type}`);
        if (attrs[attr] !== undefined) throw faults.invalidRequest(`only one ${type} content is allowed`);
        if (c.content) attrs[attr] = c.content;
      }
      const contactId = spec.child('cid')?.content;
      if (contactId !== undefined) attrs['zimbraPrefMailSignatureContactId'] = contactId;
      const id = spec.get('id') ?? randomUUID();
      const exists = (x: string): SoapFault =>
        new SoapFault('account.SIGNATURE_EXISTS', `signature already exists: ${x}`);
      if (acct.signatures.some((s) => s.name.toLowerCase() === name.toLowerCase())) throw exists(name);
      if (acct.signatures.some((s) => s.id === id)) throw exists(id);
      const max = Number(acct.attrs['zimbraSignatureMaxNumEntries']?.[0] ?? 20);
      if (acct.signatures.length >= max)
        throw new SoapFault('account.TOO_MANY_SIGNATURES', "too many signatures. can't create any more");
      acct.signatures.push({ id, name, attrs });
      const r = response(req, NS.account);
      r.add('signature').attr('id', id).attr('name', name);
      return r;
    },
  },
  {
    // account/GetWhiteBlackList.java: amavisWhitelistSender / amavisBlacklistSender
    name: 'GetWhiteBlackListRequest',
    ns: NS.account,
    handle(req, ctx) {
      const acct = targetAccount(ctx);
      const r = response(req, NS.account);
      const list = (el: string, attr: string): void => {
        const l = r.add(el);
        for (const a of acct.attrs[attr] ?? []) l.add('addr').setContent(a);
      };
      list('whiteList', 'amavisWhitelistSender');
      list('blackList', 'amavisBlacklistSender');
      return r;
    },
  },
];

/** Preference and per-account object handlers. */
export const accountPrefHandlers: HandlerSpec[] = handlers;
