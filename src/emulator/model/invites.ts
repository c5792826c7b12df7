/**
 * Calendar processing of an added message, as Mailbox.addMessage does unless `noICal` is set
 * (store/src/java/com/zimbra/cs/mailbox/Mailbox.java, Message.java `processInvitesAfterCreate`):
 * a `text/calendar` part with an organizer method (REQUEST, PUBLISH) creates the calendar item
 * when `zimbraPrefCalendarAutoAddInvites` is on (the default) and updates an existing one of the
 * same UID always; CANCEL removes it. Simplified: one VEVENT/VTODO per invite, no attendee or
 * permission checks (`R_invite`), no REPLY/COUNTER processing.
 */
import type { AccountEntry } from './directory.js';
import { FOLDER, type MailItem } from './item.js';
import { deleteItems, setCalendarItem } from './item-ops.js';
import { decodedBody, mimeTree, type MimePart } from './mime-parts.js';

function calendarPart(p: MimePart): MimePart | undefined {
  if (p.contentType === 'text/calendar') return p;
  for (const c of p.children) {
    const found = calendarPart(c);
    if (found) return found;
  }
  return undefined;
}

function existingByUid(acct: AccountEntry, uid: string): MailItem | undefined {
  for (const it of acct.mailbox.items.values())
    if ((it.type === 'appointment' || it.type === 'task') && it.uid === uid) return it;
  return undefined;
}

/** Applies the invite carried by `raw` (if any) to the account's calendar; returns the calendar item touched. */
export function applyInvite(acct: AccountEntry, raw: Buffer): MailItem | undefined {
  const part = calendarPart(mimeTree(raw));
  if (!part) return undefined;
  const ics = decodedBody(part).toString('utf8');
  const method = /^METHOD:(\S+)/m.exec(ics)?.[1]?.toUpperCase() ?? 'PUBLISH';
  const uid = /^UID[^:\r\n]*:(.+)$/m.exec(ics)?.[1]?.trim();
  if (!uid) return undefined;
  const existing = existingByUid(acct, uid);
  if (method === 'CANCEL') {
    if (existing) deleteItems(acct.mailbox, [existing.id]);
    return existing;
  }
  if (method !== 'REQUEST' && method !== 'PUBLISH') return undefined;
  const autoAdd = (acct.attrs['zimbraPrefCalendarAutoAddInvites']?.[0] ?? 'TRUE').toUpperCase() !== 'FALSE';
  if (!existing && !autoAdd) return undefined;
  const kind = /^BEGIN:VTODO/m.test(ics) ? 'task' : 'appointment';
  const folder = existing?.folderId ?? (kind === 'task' ? FOLDER.TASKS : FOLDER.CALENDAR);
  return setCalendarItem(acct.mailbox, ics, kind, { folder });
}
