import { mkdtemp, readFile, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { isAbsolute, join, relative, sep } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildCorpus, safePathSegment, writeCorpusAsFiles, type Corpus } from '../../../src/emulator/seed/index.js';

async function walk(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await walk(p)));
    else out.push(p);
  }
  return out;
}

describe('writeCorpusAsFiles', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'zb-seed-files-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('writes one .eml per delivery under account/folder, with the exact bytes and the received date as mtime', async () => {
    const corpus = buildCorpus({ seed: 4, accounts: 2, messagesPerAccount: 12, listShare: 0.3 });
    const progress: number[] = [];
    const res = await writeCorpusAsFiles(corpus, dir, { onProgress: (done) => progress.push(done) });
    const files = await walk(dir);
    expect(files).toHaveLength(24);
    expect(res.files).toBe(24);
    expect(progress.at(-1)).toBe(24);
    let bytes = 0;
    for (const a of corpus.accounts) {
      for (const [i, m] of a.messages.entries()) {
        const file = join(
          dir,
          a.name,
          ...m.folderPath.split('/').filter(Boolean),
          `${String(i + 1).padStart(6, '0')}.eml`,
        );
        const got = await readFile(file);
        expect(got.equals(await m.raw())).toBe(true);
        expect((await stat(file)).mtimeMs).toBe(m.receivedMs);
        bytes += got.length;
      }
    }
    expect(res.bytes).toBe(bytes);
  });

  it('keeps hostile account and folder names inside the output directory', async () => {
    const raw = async (): Promise<Buffer> => Buffer.from('Subject: x\r\n\r\n');
    const corpus: Corpus = {
      domain: 'example.test',
      seed: 0,
      distributionLists: [],
      coses: [],
      accounts: [
        {
          name: '../../escape',
          password: 'x',
          displayName: 'x',
          folders: [],
          tags: [],
          contacts: [],
          calendar: [],
          documents: [],
          messages: [
            { folderPath: '/../../../etc', flags: '', tags: [], receivedMs: 0, raw },
            { folderPath: '/Inbox/a\\b\u0000c', flags: '', tags: [], receivedMs: 0, raw },
          ],
        },
      ],
    };
    await writeCorpusAsFiles(corpus, dir);
    const files = await walk(dir);
    expect(files).toHaveLength(2);
    for (const f of files) {
      const rel = relative(dir, f);
      expect(isAbsolute(rel) || rel.split(sep).includes('..')).toBe(false);
    }
    expect(safePathSegment('..')).toBe('_..');
    expect(safePathSegment('a/b')).toBe('a_b');
  });

  it('stops with ZB_ABORTED when the signal aborts', async () => {
    const corpus = buildCorpus({ seed: 4, accounts: 1, messagesPerAccount: 5, spamAssassinDir: null });
    const ac = new AbortController();
    const p = writeCorpusAsFiles(corpus, dir, { signal: ac.signal, onProgress: () => ac.abort() });
    await expect(p).rejects.toMatchObject({ code: 'ZB_ABORTED' });
    expect(await walk(dir)).toHaveLength(1);
  });
});
