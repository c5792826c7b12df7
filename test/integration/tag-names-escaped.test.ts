// Tag names holding "," or "\": store/src/java/com/zimbra/cs/mailbox/util/TagUtil.java encodeTags
// escapes "\" as "\\" and "," as "\," in the `tn` list (ToXML.java recordItemTags) and decodeTags
// splits on unescaped commas when a request carries `tn` (TagUtil.parseTags: AddMsg, CreateContact, ItemAction update).
import { afterEach, describe, expect, it } from 'vitest';
import { BackupEngine } from '../../src/backup/backup-engine.js';
import { decodeTagNames, encodeTagNames } from '../../src/soap/tag-names.js';
import { restoreAccount } from '../../src/restore/restore-account.js';
import { backupFixture, journalState, type BackupFixture } from './backup-helpers.js';

let fx: BackupFixture | undefined;
afterEach(async () => {
  await fx?.close();
  fx = undefined;
});

describe('tag names with "," and "\\" (TagUtil.java)', () => {
  it('encodes and decodes as TagUtil does', () => {
    expect(encodeTagNames(['a,b', 'c\\d', 'plain'])).toBe('a\\,b,c\\\\d,plain');
    expect(decodeTagNames('a\\,b,c\\\\d,plain')).toEqual(['a,b', 'c\\d', 'plain']);
    expect(decodeTagNames(' x , ,y ')).toEqual(['x', 'y']);
    expect(decodeTagNames('')).toEqual([]);
  });

  it('a backup keeps such tags whole and a restore recreates them', async () => {
    fx = await backupFixture();
    const { emu, client, repo } = fx;
    const user = emu.createAccount('tags@example.test', 'pw-tags-1');
    const id = emu.deliver(user.name, 'Subject: t\r\n\r\nx\r\n', { tags: ['Smith, John', 'a\\b'] });
    expect(await new BackupEngine({ client, repository: repo }).run()).toMatchObject({ failures: [] });
    const rec = (await journalState(repo, user.id)).items.get(String(id))!;
    expect([...(rec.tags ?? [])].sort()).toEqual(['Smith, John', 'a\\b']);
    const r = await restoreAccount({
      repository: repo,
      client,
      account: user.name,
      at: Date.now(),
      toAccount: 'tags2@example.test',
    });
    expect(r.failures).toEqual([]);
    const msg = emu.snapshot('tags2@example.test').items.find((i) => i.type === 'message')!;
    expect([...msg.tags].sort()).toEqual(['Smith, John', 'a\\b']);
    expect(
      emu
        .snapshot('tags2@example.test')
        .tags.map((t) => t.name)
        .sort(),
    ).toEqual(['Smith, John', 'a\\b']);
  });
});
