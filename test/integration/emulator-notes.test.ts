// CreateNoteRequest on the emulator, as a real server serves it.
// store/src/java/com/zimbra/cs/service/mail/MailService.java registers GetNote, CreateNote and
// NoteAction only when `LC.notes_enabled` is true, and common/.../localconfig/LC.java defaults it to
// false; without a handler store/src/java/com/zimbra/soap/SoapEngine.java (dispatchRequest) answers
// `service.UNKNOWN_DOCUMENT`. CreateNote.java reads `<note l content color pos>` (content through
// Element.getAttribute: an attribute or a child element, common/.../soap/Element.java), and
// Mailbox.createNote / Note.java strip control characters (StringUtil.stripControlCharacters),
// refuse empty text, parse `pos` as Note.Rectangle and keep the colour as Color(byte) does
// (common/.../mailbox/Color.java: outside 0..9 becomes 9); Folder.canContain refuses Tags (8) and
// Conversations (9). The answer is ToXML.encodeNote. SearchRequest types=note lists notes.
import { afterEach, describe, expect, it } from 'vitest';
import { startEmulator, type Emulator } from '../../src/emulator/index.js';
import { ZimbraClient } from '../../src/soap/zimbra-client.js';
import { CreateNote } from '../../src/soap/requests/create-note.js';
import { GetItem } from '../../src/soap/requests/get-item.js';
import { normalizeBounds, noteColor, stripControlCharacters } from '../../src/emulator/model/notes.js';

let emu: Emulator | undefined;
let client: ZimbraClient | undefined;
afterEach(async () => {
  client?.close();
  await emu?.close();
  emu = undefined;
  client = undefined;
});

async function setup(notesEnabled?: boolean): Promise<{ emu: Emulator; client: ZimbraClient; account: string }> {
  emu = await startEmulator(notesEnabled === undefined ? {} : { notesEnabled });
  client = new ZimbraClient({ url: emu.url, adminUrl: emu.adminUrl, retries: 0 });
  await client.authAdmin(emu.adminUser, emu.adminPassword);
  const account = emu.createAccount('notes@example.test', 'pw-notes').name;
  return { emu, client, account };
}

const faultOf = async (p: Promise<unknown>): Promise<string | undefined> =>
  p.then(
    () => undefined,
    (err: unknown) => (err as { faultCode?: string }).faultCode,
  );

describe('CreateNoteRequest (CreateNote.java, MailService.java notes_enabled)', () => {
  it('is an unknown document on a default server, as MailService registers it only with notes_enabled', async () => {
    const { emu, client, account } = await setup();
    const sent = client.send(CreateNote, { folderId: '2', content: 'x' }, { account });
    expect(await faultOf(sent)).toBe('service.UNKNOWN_DOCUMENT');
    expect(emu.snapshot(account).items.filter((i) => i.type === 'note')).toEqual([]);
    // the raw wire answer: HTTP 500 with the fault, whatever the body holds
    const auth = await fetch(`${emu.url}/service/soap`, {
      method: 'POST',
      body: JSON.stringify({
        Body: {
          AuthRequest: {
            _jsns: 'urn:zimbraAccount',
            account: { by: 'name', _content: account },
            password: { _content: 'pw-notes' },
          },
        },
      }),
    });
    const token = ((await auth.json()) as any).Body.AuthResponse.authToken[0]._content as string;
    const r = await fetch(`${emu.url}/service/soap`, {
      method: 'POST',
      body: JSON.stringify({
        Header: { context: { _jsns: 'urn:zimbra', authToken: { _content: token } } },
        Body: { CreateNoteRequest: { _jsns: 'urn:zimbraMail', note: { l: '2', content: 'x' } } },
      }),
    });
    expect(r.status).toBe(500);
    expect(((await r.json()) as any).Body.Fault.Detail.Error.Code).toBe('service.UNKNOWN_DOCUMENT');
  });

  it('creates a note with text, bounds and colour when notes are enabled; GetItem reads it back', async () => {
    const { emu, client, account } = await setup(true);
    const text = 'line one\nline "two" <&>\ttab';
    const { id } = await client.send(
      CreateNote,
      { folderId: '2', content: text, color: 4, bounds: '10,20,300,200' },
      { account },
    );
    const item = await client.send(GetItem, { id }, { account });
    expect(item.item).toMatchObject({ type: 'note', id, folderId: '2' });
    const snap = emu.snapshot(account).items.find((i) => String(i.id) === id);
    expect(snap).toMatchObject({ type: 'note', folderId: 2 });
    // Search types=note finds it (SearchParams.java type `note`; SearchResponse.java NoteHit ->
    // ToXML.encodeNote), whatever notes_enabled says: only the note commands depend on it
    const found = await client.search({ query: 'in:inbox', types: 'note', limit: 10 }, { account });
    expect(found.hits).toEqual([
      expect.objectContaining({ type: 'note', id, content: text, bounds: '10,20,300,200', color: 4 }),
    ]);
    // switching it off again (as a restart with notes_enabled=false would) refuses it again
    emu.setNotesEnabled(false);
    expect(await faultOf(client.send(CreateNote, { folderId: '2', content: 'y' }, { account }))).toBe(
      'service.UNKNOWN_DOCUMENT',
    );
  });

  it('accepts content as a child element (XML) and answers with encodeNote', async () => {
    const { emu, account } = await setup(true);
    const r = await fetch(`${emu.adminUrl}/service/admin/soap`, {
      method: 'POST',
      body: JSON.stringify({
        Body: { AuthRequest: { _jsns: 'urn:zimbraAdmin', name: emu.adminUser, password: emu.adminPassword } },
      }),
    });
    const token = ((await r.json()) as any).Body.AuthResponse.authToken[0]._content as string;
    const xml =
      '<soap:Envelope xmlns:soap="http://www.w3.org/2003/05/soap-envelope"><soap:Header>' +
      `<context xmlns="urn:zimbra"><authToken>${token}</authToken><account by="name">${account}</account></context>` +
      '</soap:Header><soap:Body><CreateNoteRequest xmlns="urn:zimbraMail">' +
      '<note l="2" pos="5,6" color="200"><content>from a child\r\nelement</content></note>' +
      '</CreateNoteRequest></soap:Body></soap:Envelope>';
    const res = await fetch(`${emu.adminUrl}/service/admin/soap`, {
      method: 'POST',
      headers: { 'content-type': 'application/soap+xml' },
      body: xml,
    });
    const body = await res.text();
    expect(res.status).toBe(200);
    // x,y only: width and height 0 (Note.Rectangle); colour 200 is byte -56, outside 0..9: orange (9)
    expect(body).toMatch(/<note [^>]*pos="5,6,0,0"/);
    expect(body).toMatch(/<note [^>]*color="9"/);
    // an XML parser reads a literal CR LF in element text as LF (XML 1.0 section 2.11)
    expect(body).toContain('<content>from a child\nelement</content>');
  });

  it('refuses what Mailbox.createNote refuses', async () => {
    const { client, account } = await setup(true);
    const send = (folderId: string, content: string) =>
      faultOf(client.send(CreateNote, { folderId, content }, { account }));
    expect(await send('2', '')).toBe('service.INVALID_REQUEST');
    expect(await send('2', '\u0001\u0002')).toBe('service.INVALID_REQUEST'); // only control characters
    expect(await send('9999', 'x')).toBe('mail.NO_SUCH_FOLDER');
    expect(await send('8', 'x')).toBe('mail.CANNOT_CONTAIN');
    expect(await send('9', 'x')).toBe('mail.CANNOT_CONTAIN');
    expect(await send('abc', 'x')).toBe('service.INVALID_REQUEST');
    // no <note> at all: refused before anything is written (the restore's dry-run probe relies on it)
    const probe = faultOf(
      client.send({ ...CreateNote, build: () => ({}) }, { folderId: '2', content: 'x' }, { account }),
    );
    expect(await probe).toBe('service.INVALID_REQUEST');
  });
});

describe('note model helpers (Note.Rectangle, Color, StringUtil)', () => {
  it('parse bounds, colours and text as Zimbra does', () => {
    expect(normalizeBounds(undefined)).toBe('0,0,0,0');
    expect(normalizeBounds('1,2')).toBe('1,2,0,0');
    expect(normalizeBounds('1,2,3,4')).toBe('1,2,3,4');
    expect(normalizeBounds('1,2,3')).toBe('0,0,0,0'); // three parts: left at zero
    expect(normalizeBounds('1,2,,')).toBe('1,2,0,0'); // String.split drops trailing empty parts
    expect(() => normalizeBounds('1,x')).toThrow(/NumberFormatException/);
    expect([undefined, 0, 3, 9, 10, -1, 127, 200, 265].map(noteColor)).toEqual([0, 0, 3, 9, 9, 9, 9, 9, 9]);
    expect(stripControlCharacters('a\u0000b\tc\nd\re\uFFFEf\uD800g\uD83D\uDE00')).toBe('ab\tc\nd\refg\uD83D\uDE00');
  });
});
