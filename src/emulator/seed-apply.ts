/**
 * Applies a {@link Corpus} to a running emulator through its mutation API, one account at a
 * time, so a large corpus never has to be held in memory (`raw()` rebuilds bytes on demand).
 */
import type { Directory } from './model/directory.js';
import type { Emulator } from './emulator.js';
import type { Corpus } from './seed/corpus-types.js';

/** Applies a corpus; existing domains and COSes are reused. */
export async function applyCorpus(emu: Emulator, dir: Directory, corpus: Corpus): Promise<void> {
  if (!dir.domains.has(corpus.domain.toLowerCase())) emu.createDomain(corpus.domain);
  for (const cos of corpus.coses) if (!dir.coses.has(cos.name.toLowerCase())) emu.createCos(cos.name, cos.attrs);
  for (const a of corpus.accounts) {
    const cosId = a.cos !== undefined ? dir.coses.get(a.cos.toLowerCase())?.id : undefined;
    if (!dir.findAccount(a.name))
      emu.createAccount(a.name, a.password, { displayName: a.displayName, ...(cosId ? { zimbraCOSId: cosId } : {}) });
    for (const f of a.folders) emu.createFolder(a.name, f.path, f.view);
    const mbox = dir.account(a.name).mailbox;
    for (const t of a.tags) {
      if (!mbox.tagByName(t.name))
        mbox.transaction((txn) => txn.create({ type: 'tag', folderId: 8, name: t.name, color: t.color }));
    }
    for (const m of a.messages) {
      emu.deliver(a.name, await m.raw(), {
        folderPath: m.folderPath,
        flags: m.flags,
        tags: m.tags,
        receivedMs: m.receivedMs,
      });
    }
    for (const c of a.contacts) emu.addContact(a.name, c.fields, emu.createFolder(a.name, c.folderPath, 'contact'));
    for (const item of a.calendar) emu.addCalendarItem(a.name, item.ics, item.kind, item.folderPath);
    for (const d of a.documents) emu.addDocument(a.name, d.name, await d.content(), d.contentType, d.folderPath);
  }
  for (const dl of corpus.distributionLists)
    if (!dir.dls.has(dl.name.toLowerCase())) emu.createDistributionList(dl.name, dl.members);
}
