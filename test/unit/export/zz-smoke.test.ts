import { Writable } from 'node:stream';
import { it, expect } from 'vitest';
import tar from 'tar-stream';
import { Readable } from 'node:stream';
import { BackupEngine } from '../../../src/backup/backup-engine.js';
import { buildCorpus } from '../../../src/emulator/seed/index.js';
import { exportArchive } from '../../../src/export/export-archive.js';
import { backupFixture } from '../../../test/integration/backup-helpers.js';

it('smoke', async () => {
  const fx = await backupFixture();
  await fx.emu.seed(buildCorpus({ seed: 3, accounts: 2, messagesPerAccount: 5, contactsPerAccount: 2, calendarPerAccount: 1, documentsPerAccount: 1, domain: 'example.test' }));
  const r = await new BackupEngine({ client: fx.client, repository: fx.repo }).run();
  const chunks: Buffer[] = [];
  const out = new Writable({ write(c, _e, cb) { chunks.push(c); cb(); } });
  const res = await exportArchive({ repo: fx.repo, out, compression: 'none' });
  console.log(res.manifest.accounts, res.manifest.members, res.manifest.blobs, res.bytes, res.manifest.directory);
  const ex = tar.extract();
  Readable.from([Buffer.concat(chunks)]).pipe(ex);
  for await (const e of ex) { console.log(e.header.name, e.header.size); e.resume(); }
  await fx.close();
});
