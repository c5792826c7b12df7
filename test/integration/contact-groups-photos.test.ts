// Contact photos/attachments and contact groups, as Zimbra sends them:
// - store/src/java/com/zimbra/cs/service/mail/ToXML.java encodeContactAttachment: an attached file
//   (the photo is field "image") is a key/value pair with part/ct/s/filename attributes: an object
//   under _attrs in JSON (common/src/java/com/zimbra/common/soap/Element.java JSONKeyValuePair),
//   <a n="image" part="1" …/> in XML; its bytes come over REST ?id=N&part=P (UserServlet.java);
// - ToXML.java encodeContactGroupMemberBasic: group members are <m type="C|G|I" value="…"/> under <cn>;
// - store/src/java/com/zimbra/cs/service/mail/CreateContact.java: <a n aid> attaches an upload, <m type value> adds a member.
import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { BackupEngine } from '../../src/backup/backup-engine.js';
import { restoreAccount } from '../../src/restore/restore-account.js';
import { parseContact } from '../../src/soap/requests/items.js';
import { collectReferences } from '../../src/maintenance/references.js';
import { Journal } from '../../src/journal/journal.js';
import { accountPrefix } from '../../src/repository/layout.js';
import { backupFixture, journalState, type BackupFixture } from './backup-helpers.js';

let fx: BackupFixture | undefined;
afterEach(async () => {
  await fx?.close();
  fx = undefined;
});

const PHOTO = Buffer.from([
  0x89,
  0x50,
  0x4e,
  0x47,
  0x0d,
  0x0a,
  0x1a,
  0x0a,
  ...Array.from({ length: 300 }, (_, i) => i % 251),
]);
const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

describe('contact photos and groups (ToXML.java, CreateContact.java)', () => {
  it('parses the photo as an attachment, not a field, in JSON and XML', () => {
    const json = parseContact({
      id: '300',
      l: '7',
      _attrs: { firstName: 'Ann', image: { part: '1', ct: 'image/png', s: 308, filename: 'ann.png' } },
      m: [
        { type: 'C', value: '301' },
        { type: 'I', value: 'x@y.test' },
      ],
    });
    const xml = parseContact({
      id: '300',
      l: '7',
      a: [
        { n: 'firstName', _content: 'Ann' },
        { n: 'image', part: '1', ct: 'image/png', s: '308', filename: 'ann.png' },
      ],
      m: [
        { type: 'C', value: '301' },
        { type: 'I', value: 'x@y.test' },
      ],
    });
    for (const c of [json, xml]) {
      expect(c.attrs).toEqual({ firstName: 'Ann' });
      expect(c.attachments).toEqual([
        { field: 'image', part: '1', contentType: 'image/png', size: 308, filename: 'ann.png' },
      ]);
      expect(c.members).toEqual([
        { type: 'C', value: '301' },
        { type: 'I', value: 'x@y.test' },
      ]);
    }
  });

  it('backs up the photo bytes and the members, keeps the photo through GC references, restores both', async () => {
    fx = await backupFixture();
    const { emu, client, repo } = fx;
    const user = emu.createAccount('groups@example.test', 'pw-groups-1');
    const ann = emu.addContact(user.name, { firstName: 'Ann', email: 'ann@example.test' }, undefined, {
      bytes: PHOTO,
      contentType: 'image/png',
      filename: 'ann.png',
    });
    const group = emu.addContact(
      user.name,
      { nickname: 'Team', type: 'group', fileAs: '8:Team' },
      undefined,
      undefined,
      [
        { type: 'C', value: String(ann) },
        { type: 'I', value: 'outside@else.test' },
      ],
    );
    const r = await new BackupEngine({ client, repository: repo }).run();
    expect(r.failures).toEqual([]);

    const state = await journalState(repo, user.id);
    const annRec = state.items.get(String(ann))!;
    expect(annRec.meta?.['fields']).toEqual({ email: 'ann@example.test', firstName: 'Ann' });
    expect(annRec.meta?.['attachments']).toEqual([
      {
        field: 'image',
        part: '1',
        contentType: 'image/png',
        filename: 'ann.png',
        digest: expect.stringContaining(sha(PHOTO)),
        size: PHOTO.length,
      },
    ]);
    expect(state.items.get(String(group))!.meta?.['members']).toEqual([
      { type: 'C', value: String(ann) },
      { type: 'I', value: 'outside@else.test' },
    ]);

    // purge and check see the photo as referenced (src/journal/record-digests.ts)
    const j = await Journal.open({ backend: repo.backend, prefix: accountPrefix(user.id), readOnly: true });
    const refs = new Map();
    try {
      await collectReferences(j, user.id, refs);
    } finally {
      await j.close();
    }
    const photoDigest = (annRec.meta!['attachments'] as Array<{ digest: string }>)[0]!.digest;
    expect(refs.has(photoDigest)).toBe(true);

    const to = 'groups-restored@example.test';
    const res = await restoreAccount({ repository: repo, client, account: user.name, at: Date.now(), toAccount: to });
    expect(res.failures).toEqual([]);
    const snap = emu.snapshot(to);
    const newAnn = snap.items.find((i) => i.type === 'contact' && i.fields?.['firstName'] === 'Ann')!;
    expect(newAnn.parts).toEqual([
      { field: 'image', contentType: 'image/png', filename: 'ann.png', sha256: sha(PHOTO) },
    ]);
    expect(newAnn.fields).toEqual({ firstName: 'Ann', email: 'ann@example.test' });
    const newGroup = snap.items.find((i) => i.type === 'contact' && i.fields?.['nickname'] === 'Team')!;
    // the C member points at the restored copy of Ann, not at the source id
    expect(newGroup.members).toEqual([
      { type: 'C', value: String(newAnn.id) },
      { type: 'I', value: 'outside@else.test' },
    ]);
  });
});
