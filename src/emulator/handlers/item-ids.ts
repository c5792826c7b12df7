/**
 * Qualified item ids, as the real server writes them.
 *
 * Zimbra formats every item id it returns through ItemIdFormatter
 * (store/src/java/com/zimbra/cs/service/util/ItemIdFormatter.java): when the auth token's account
 * differs from the mailbox's owner, the id becomes `<ownerZimbraId>:<n>`
 * (common/src/java/com/zimbra/common/mailbox/ItemIdentifier.java `toString(authAccountId)`),
 * unless the SOAP context holds `<noqualify/>` (store/src/java/com/zimbra/soap/ZimbraSoapContext.java).
 * ItemActionHelper ignores `<noqualify/>`: it builds its formatter with `noqualify=false`
 * (store/src/java/com/zimbra/cs/service/mail/ItemActionHelper.java), so the `id` list of
 * ItemActionResponse is always qualified on behalf of another mailbox.
 *
 * Handlers write bare ids; this pass rewrites the finished urn:zimbraMail response once, for
 * exactly the attributes ToXML.java and SetCalendarItem.java format with the formatter. Id lists
 * (`ids="…"`, `<deleted ids>`) stay bare, as in Sync.java and GetMsgMetadata.java; tag lists
 * (`t`) and contact-group member values are not item ids of this mailbox and stay as they are.
 */
import type { Element } from '../wire/element.js';
import { NS } from './context.js';

/** Element name -> attributes holding an item id of the owner's mailbox (ToXML.java). */
const ID_ATTRS: Readonly<Record<string, readonly string[]>> = {
  folder: ['id', 'l'],
  search: ['id', 'l'],
  link: ['id', 'l'],
  tag: ['id'],
  c: ['id'],
  m: ['id', 'l', 'cid'],
  cn: ['id', 'l'],
  appt: ['id', 'l'],
  task: ['id', 'l'],
  doc: ['id', 'l'],
  w: ['id', 'l'],
  chat: ['id', 'l', 'cid'],
  note: ['id', 'l'],
  inv: ['id'],
  default: ['id'],
  // SetAppointmentResponse / SetTaskResponse / CreateAppointmentResponse (SetCalendarItem.java)
  SetAppointmentResponse: ['calItemId', 'apptId', 'invId'],
  SetTaskResponse: ['calItemId', 'apptId', 'invId'],
};

/** Response elements whose ids are qualified even under `<noqualify/>` (ItemActionHelper.java). */
const ALWAYS_QUALIFIED: Readonly<Record<string, readonly string[]>> = {
  action: ['id'],
};

function qualify(value: string, ownerId: string): string {
  return value
    .split(',')
    .map((p) => (p === '' || p.includes(':') ? p : `${ownerId}:${p}`))
    .join(',');
}

function walk(el: Element, ownerId: string, noqualify: boolean): void {
  const attrs = [...(noqualify ? [] : (ID_ATTRS[el.name] ?? [])), ...(ALWAYS_QUALIFIED[el.name] ?? [])];
  for (const a of attrs) {
    const v = el.attrs[a];
    if (v !== undefined && v !== '') el.attrs[a] = qualify(String(v), ownerId);
  }
  for (const c of el.children) walk(c, ownerId, noqualify);
}

/**
 * Qualifies the ids of a finished response in place when `authAccountId` is not `ownerId`.
 * Only urn:zimbraMail responses (directly or inside a BatchResponse) carry mailbox item ids.
 */
export function qualifyResponseIds(body: Element, authAccountId: string, ownerId: string, noqualify: boolean): void {
  if (authAccountId === ownerId) return;
  if (body.ns === NS.mail) walk(body, ownerId, noqualify);
  else if (body.name === 'BatchResponse')
    for (const c of body.children) if (c.ns === NS.mail) walk(c, ownerId, noqualify);
}
