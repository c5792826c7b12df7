/**
 * Check and purge on the S3 backend against s3rver: retention, garbage collection, check clean
 * afterwards, and a corrupt blob found and quarantined.
 */
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { Journal } from '../../src/journal/journal.js';
import type { JournalRecordInput } from '../../src/journal/types.js';
import { checkRepository } from '../../src/maintenance/check.js';
import { purgeRepository } from '../../src/maintenance/purge.js';
import { accountPrefix, blobLayout } from '../../src/repository/layout.js';
import { initRepository, openRepository, type Repository } from '../../src/repository/repository.js';
import { S3Backend } from '../../src/store/backends/s3.js';
import { parseDigest } from '../../src/store/digest.js';

const s3 = inject('s3');
const live = s3.unavailable === undefined ? s3 : undefined;
if (live === undefined) console.warn(`\n*** LIVE S3 MAINTENANCE TESTS SKIPPED: ${s3.unavailable ?? ''}\n`);
const RUN = `zb-maint-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
const ACCOUNT = '0c000000-0000-4000-8000-00000000000c';

async function put(repo: Repository, text: string): Promise<{ digest: string; size: number }> {
  const data = Buffer.from(`Subject: ${text}\r\n\r\n${text.repeat(500)}\r\n`);
  const r = await repo.blobs.put({ size: data.length, open: () => Readable.from([data]) });
  // Format v2: one small pack per put here, so purge can delete a dead blob's pack.
  await repo.blobs.flush();
  return { digest: r.digest, size: r.size };
}

const msg = (id: string, ms: number, b: { digest: string; size: number }): JournalRecordInput => ({
  type: 'item',
  kind: 'message',
  id,
  folderId: '2',
  modifiedSequence: ms,
  size: b.size,
  digest: b.digest,
});

describe.skipIf(live === undefined)('maintenance on S3 (s3rver)', () => {
  let backend: S3Backend;
  let repo: Repository;
  beforeAll(async () => {
    backend = new S3Backend({
      bucket: live!.bucket,
      prefix: RUN,
      endpoint: live!.endpoint,
      forcePathStyle: true,
      credentials: { accessKeyId: live!.accessKeyId, secretAccessKey: live!.secretAccessKey },
    });
    repo = await initRepository({ backend, compression: 'gzip' });
  });
  afterAll(async () => backend.close());

  it('purges versions past retention, collects their blobs, and leaves a clean check', async () => {
    const [v1, v2, gone, orphan] = [
      await put(repo, 'v1'),
      await put(repo, 'v2'),
      await put(repo, 'gone'),
      await put(repo, 'orphan'),
    ];
    const j = await Journal.open({ backend, prefix: accountPrefix(ACCOUNT) });
    await j.commit([msg('257', 1, v1), msg('258', 2, gone)], { captureMs: 1000, state: { token: '2' } });
    await j.commit([msg('257', 3, v2), { type: 'delete', id: '258' }], { captureMs: 2000, state: { token: '3' } });
    await j.close();
    expect((await checkRepository({ repository: repo, full: true })).unreferencedBlobs).toBe(1);

    const dry = await purgeRepository({ repository: repo, retentionMs: 1000, now: 3000, dryRun: true });
    expect(dry).toMatchObject({ versionsRemoved: 2, deletesRemoved: 1, blobsRemoved: 3 });
    expect(await repo.blobs.has(parseDigest(v1.digest))).toBe(true);
    const r = await purgeRepository({ repository: repo, retentionMs: 1000, now: 3000 });
    expect(r).toMatchObject({ versionsRemoved: 2, deletesRemoved: 1, blobsRemoved: 3, blobsKept: 1 });
    expect(r.blobBytesReclaimed).toBeGreaterThan(0);
    for (const b of [v1, gone, orphan]) expect(await repo.blobs.has(parseDigest(b.digest))).toBe(false);
    expect(await checkRepository({ repository: repo, full: true })).toMatchObject({
      ok: true,
      blobsChecked: 1,
      unreferencedBlobs: 0,
    });
    const state = await Journal.open({ backend, prefix: accountPrefix(ACCOUNT), readOnly: true });
    expect([...state.current().items.keys()]).toEqual(['257']);
    await state.close();

    // A damaged blob is found by the full check and moved to quarantine/ by repair.
    const loc = repo.blobs.packs?.locate(v2.digest);
    const key = loc ? repo.blobs.packs!.packKey(loc.pack) : blobLayout.key(parseDigest(v2.digest));
    const chunks: Buffer[] = [];
    for await (const c of await backend.get(key)) chunks.push(c as Buffer);
    const bytes = Buffer.concat(chunks);
    const at = (loc ? loc.offset + loc.length : bytes.length) - 12;
    bytes[at] = (bytes[at] ?? 0) ^ 0x55;
    await backend.put(key, { size: bytes.length, open: () => Readable.from([bytes]) });
    const repaired = await checkRepository({ repository: repo, full: true, repair: true });
    expect(repaired.problems[0]).toMatchObject({
      kind: 'corrupt-blob',
      accounts: [{ id: ACCOUNT, items: ['257'] }],
      repair: { healable: true },
    });
    // v2: the blob leaves the index (its bytes are copied to quarantine/; the pack goes with a later purge).
    expect(await (await openRepository({ backend })).blobs.has(parseDigest(v2.digest))).toBe(false);
    expect(await backend.stat(repaired.problems[0]!.repair!.quarantineKey!)).toEqual({
      size: loc?.length ?? bytes.length,
    });
  });
});
