/**
 * A vCard 3.0 rendering of a contact, as the REST native formatter returns for contacts.
 */
import type { MailItem } from '../model/item.js';

/** Renders a contact as vCard 3.0 text. */
export function vcard(c: MailItem): string {
  const f = c.fields ?? {};
  const esc = (s: string): string =>
    s
      .replace(/\\/g, '\\\\')
      .replace(/\n/g, '\\n')
      .replace(/([,;])/g, '\\$1');
  const lines = ['BEGIN:VCARD', 'VERSION:3.0'];
  lines.push(`N:${esc(f['lastName'] ?? '')};${esc(f['firstName'] ?? '')};;;`);
  lines.push(
    `FN:${esc(f['fullName'] ?? ([f['firstName'], f['lastName']].filter((x) => x).join(' ') || (f['email'] ?? '')))}`,
  );
  for (const k of ['email', 'email2', 'email3']) if (f[k]) lines.push(`EMAIL;TYPE=internet:${esc(f[k])}`);
  if (f['company']) lines.push(`ORG:${esc(f['company'])}`);
  for (const [k, t] of [
    ['mobilePhone', 'cell'],
    ['workPhone', 'work'],
    ['homePhone', 'home'],
  ] as const)
    if (f[k]) lines.push(`TEL;TYPE=${t}:${esc(f[k])}`);
  lines.push(`UID:${c.uuid}`, 'END:VCARD', '');
  return lines.join('\r\n');
}
