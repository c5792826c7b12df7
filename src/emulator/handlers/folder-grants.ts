/**
 * FolderActionRequest `op=grant`, `op=!grant` and `op=revokeorphangrants`
 * (`service/mail/FolderAction.java`, `mailbox/ACL.java`): shares are created, changed and revoked
 * on one folder; grantees are resolved in the directory as FolderAction resolves them.
 */
import { randomBytes } from 'node:crypto';
import {
  GUID_AUTHUSER,
  GUID_PUBLIC,
  granteeType,
  normalizeRights,
  type Grant,
  type GranteeType,
} from '../model/acl.js';
import type { Directory } from '../model/directory.js';
import { normalizeFlags, type MailItem } from '../model/item.js';
import type { Mailbox } from '../model/mailbox.js';
import { resolveFolder } from '../model/folder-ops.js';
import type { Element } from '../wire/element.js';
import { faults } from '../wire/soap-fault.js';

/** The operations this module handles (lower case). */
export const GRANT_OPS: ReadonlySet<string> = new Set(['grant', '!grant', 'revokeorphangrants']);

/** A directory entry that can be a grantee, by id or name, with its type. */
function lookup(
  dir: Directory,
  gt: GranteeType,
  key: string,
): { id: string; name: string; gt: GranteeType } | undefined {
  const lower = key.toLowerCase();
  if (gt === 'usr' || gt === 'grp') {
    const a = dir.findAccount(key);
    if (a && gt === 'usr') return { id: a.id, name: a.name, gt: 'usr' };
    const dl = [...dir.dls.values()].find((d) => d.id === key || d.name === lower);
    if (dl) return { id: dl.id, name: dl.name, gt: 'grp' };
    return undefined;
  }
  if (gt === 'cos') {
    const c = [...dir.coses.values()].find((x) => x.id === key || x.name.toLowerCase() === lower);
    return c && { id: c.id, name: c.name, gt };
  }
  if (gt === 'dom') {
    const d = [...dir.domains.values()].find((x) => x.id === key || x.name === lower);
    return d && { id: d.id, name: d.name, gt };
  }
  return undefined;
}

function setAcl(mbox: Mailbox, folder: MailItem, acl: Grant[] | undefined): void {
  mbox.transaction((txn) =>
    txn.modify(folder, (f) => {
      f.acl = acl && acl.length > 0 ? acl : undefined;
      // a folder with its own ACL no longer inherits its parent's (Flag NO_INHERIT, `i`)
      f.flags = normalizeFlags(f.acl ? `${f.flags}i` : f.flags.replace('i', ''));
    }),
  );
}

function grant(dir: Directory, mbox: Mailbox, folder: MailItem, action: Element, result: Element): void {
  const spec = action.child('grant');
  if (!spec) throw faults.invalidRequest('missing grant');
  const perm = normalizeRights(spec.get('perm'));
  let gt = granteeType(spec.get('gt'));
  let zid = spec.get('zid');
  const display = spec.get('d');
  let name: string | undefined;
  let secret: string | undefined;
  const expiry = Number(spec.get('expiry') ?? 0) || undefined;
  if (gt === 'all') zid = GUID_AUTHUSER;
  else if (gt === 'pub') zid = GUID_PUBLIC;
  else if (gt === 'guest') {
    if (!display || !display.includes('@')) throw faults.invalidRequest('invalid guest id or password');
    zid = display;
    // an internal user given as a guest becomes a user grant (same domain)
    const internal = lookup(dir, 'usr', display);
    const ownDomain = mbox.accountId && dir.findAccount(mbox.accountId)?.name.split('@')[1];
    if (internal && internal.name.split('@')[1] === ownDomain) {
      ({ id: zid, gt, name } = internal);
    } else secret = spec.get('args') ?? spec.get('pw');
  } else if (gt === 'key') {
    if (!display) throw faults.invalidRequest('missing d for key grantee');
    zid = display;
    secret = spec.get('key') ?? randomBytes(8).toString('hex');
  } else if (zid !== undefined) {
    const e = lookup(dir, gt, zid);
    name = e?.name;
  } else {
    const e = display === undefined ? undefined : lookup(dir, gt, display);
    if (e) ({ id: zid, gt, name } = e);
    else if (gt === 'usr' && display !== undefined) {
      // an internal user not provisioned yet is shared with as a guest
      gt = 'guest';
      zid = display;
    } else if (gt === 'grp') throw faults.noSuchDl(display ?? '');
    else throw faults.invalidRequest(`no such grantee: ${display ?? ''}`);
  }
  if (zid === undefined) throw faults.invalidRequest('missing grantee');
  const g: Grant = { zid, gt, perm, expiry, secret, d: name ?? (gt === 'guest' || gt === 'key' ? zid : undefined) };
  const acl = (folder.acl ?? []).filter((x) => x.zid !== zid);
  setAcl(mbox, folder, [...acl, g]);
  result.attr('zid', zid);
  if (g.d !== undefined) result.attr('d', g.d);
  if (gt === 'key') result.attr('key', secret);
}

function revokeOrphans(dir: Directory, mbox: Mailbox, folder: MailItem, action: Element): void {
  const zid = action.get('zid');
  if (zid === undefined) throw faults.invalidRequest('missing required attribute: zid');
  const gt = granteeType(action.get('gt'));
  if (!['usr', 'grp', 'cos', 'dom'].includes(gt))
    throw faults.invalidRequest('invalid grantee type for revokeOrphanGrants');
  if (lookup(dir, gt, zid)) throw faults.invalidRequest(`grantee ${zid} exists`);
  const walk = (f: MailItem): void => {
    if (f.acl?.some((g) => g.zid === zid && g.gt === gt))
      setAcl(
        mbox,
        f,
        f.acl.filter((g) => !(g.zid === zid && g.gt === gt)),
      );
    for (const sub of mbox.subfolders(f.id)) walk(sub);
  };
  walk(folder);
}

/** Runs a grant operation on the folder of `action.id`, adding what FolderAction returns to `result`. */
export function applyGrantOp(dir: Directory, mbox: Mailbox, op: string, action: Element, result: Element): string {
  const id = action.get('id');
  if (id === undefined) throw faults.invalidRequest('missing required attribute: id');
  const folder = resolveFolder(mbox, id);
  if (op === 'grant') grant(dir, mbox, folder, action, result);
  else if (op === '!grant') {
    const zid = action.get('zid');
    if (zid === undefined) throw faults.invalidRequest('missing required attribute: zid');
    if (folder.acl)
      setAcl(
        mbox,
        folder,
        folder.acl.filter((g) => g.zid !== zid),
      );
  } else revokeOrphans(dir, mbox, folder, action);
  return String(folder.id);
}
