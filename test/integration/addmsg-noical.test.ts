// AddMsg's noICal is an attribute of <m> (store/src/java/com/zimbra/cs/service/mail/AddMsg.java reads
// it from the message element; soap/src/java/com/zimbra/soap/mail/type/AddMsgSpec.java). Without it,
// Mailbox.addMessage processes the invite (store/src/java/com/zimbra/cs/mailbox/Mailbox.java,
// Message.java processInvitesAfterCreate): a REQUEST creates the calendar item when
// zimbraPrefCalendarAutoAddInvites is on, so a restored invitation would change the calendar.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type Emulator } from '../../src/emulator/index.js';
import { ZimbraClient } from '../../src/soap/zimbra-client.js';
import { AddMsg } from '../../src/soap/requests/index.js';

let emu: Emulator;
let client: ZimbraClient;

const invite = (uid: string): string =>
  [
    'From: boss@example.test',
    'To: inv@example.test',
    'Subject: Planning',
    'MIME-Version: 1.0',
    'Content-Type: multipart/alternative; boundary="b1"',
    '',
    '--b1',
    'Content-Type: text/plain',
    '',
    'You are invited.',
    '--b1',
    'Content-Type: text/calendar; method=REQUEST; charset=utf-8',
    '',
    'BEGIN:VCALENDAR',
    'METHOD:REQUEST',
    'BEGIN:VEVENT',
    `UID:${uid}`,
    'DTSTART:20300101T100000Z',
    'DTEND:20300101T110000Z',
    'SUMMARY:Planning',
    'END:VEVENT',
    'END:VCALENDAR',
    '--b1--',
    '',
  ].join('\r\n');

const appointments = (name: string): number => emu.snapshot(name).items.filter((i) => i.type === 'appointment').length;

beforeAll(async () => {
  emu = await startEmulator();
  emu.createAccount('inv@example.test', 'pw-inv-secret');
  emu.createAccount('noauto@example.test', 'pw-inv-secret', { zimbraPrefCalendarAutoAddInvites: 'FALSE' });
  client = new ZimbraClient({ url: emu.url, adminUrl: emu.adminUrl });
  await client.authAdmin(emu.adminUser, emu.adminPassword);
});
afterAll(async () => {
  client.close();
  await emu.close();
});

describe('AddMsg noICal (AddMsg.java, Mailbox.java)', () => {
  it('puts noICal on <m>, so a restored invitation leaves the calendar alone', async () => {
    const before = appointments('inv@example.test');
    const m = await client.send(
      AddMsg,
      { folderId: '2', content: invite('uid-restored-1'), noICal: true },
      { account: 'inv@example.test' },
    );
    expect(m.id).toMatch(/^\d+$/);
    expect(appointments('inv@example.test')).toBe(before);
    expect(AddMsg.build({ folderId: '2', content: 'x', noICal: true })).toEqual({
      m: { l: '2', content: { _content: 'x' }, noICal: 1 },
    });
  });

  it('without noICal the emulator creates the calendar item, as the real server does', async () => {
    const before = appointments('inv@example.test');
    await client.send(AddMsg, { folderId: '2', content: invite('uid-live-1') }, { account: 'inv@example.test' });
    expect(appointments('inv@example.test')).toBe(before + 1);
    // zimbraPrefCalendarAutoAddInvites=FALSE: new invites are not auto-added (Message.java initAutoAddNew)
    await client.send(AddMsg, { folderId: '2', content: invite('uid-live-2') }, { account: 'noauto@example.test' });
    expect(appointments('noauto@example.test')).toBe(0);
  });
});
