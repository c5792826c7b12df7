import { createHash } from 'node:crypto';
import PostalMime from 'postal-mime';
import { describe, expect, it } from 'vitest';
import { attachmentBytes, buildCorpus, type CorpusMessage } from '../../../src/emulator/seed/index.js';

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

describe('attachmentBytes', () => {
  it('has exactly the asked size, the format magic, and depends on the key', () => {
    for (const size of [1, 10, 64, 1000, 100_000]) {
      for (const kind of ['pdf', 'jpeg', 'zip', 'csv'] as const)
        expect(attachmentBytes(kind, 5, size).length).toBe(size);
    }
    expect(attachmentBytes('pdf', 5, 4000).subarray(0, 5).toString('latin1')).toBe('%PDF-');
    expect(attachmentBytes('pdf', 5, 4000).toString('latin1').endsWith('%%EOF\n')).toBe(true);
    expect([...attachmentBytes('jpeg', 5, 100).subarray(0, 3)]).toEqual([0xff, 0xd8, 0xff]);
    expect(attachmentBytes('zip', 5, 100).subarray(0, 4).toString('latin1')).toBe('PK\x03\x04');
    expect(attachmentBytes('csv', 5, 2000).toString('latin1')).toMatch(/^date,region,product/);
    expect(attachmentBytes('zip', 5, 5000).equals(attachmentBytes('zip', 5, 5000))).toBe(true);
    expect(attachmentBytes('zip', 5, 5000).equals(attachmentBytes('zip', 6, 5000))).toBe(false);
  });

  it('builds 5 MB quickly (benchmark sizes)', () => {
    const t = performance.now();
    expect(attachmentBytes('pdf', 1, 5_000_000).length).toBe(5_000_000);
    expect(performance.now() - t).toBeLessThan(2_000);
  });
});

describe('composed messages', () => {
  // Every message composed (no dataset), a third with attachments.
  const corpus = buildCorpus({
    seed: 11,
    accounts: 3,
    messagesPerAccount: 30,
    attachmentShare: 0.35,
    spamAssassinDir: null,
  });
  const all = corpus.accounts.flatMap((a) => a.messages);
  const withAtt = all.filter(
    (m): m is CorpusMessage & { attachments: NonNullable<CorpusMessage['attachments']> } =>
      (m.attachments?.length ?? 0) > 0,
  );

  it('parse with postal-mime and carry every attachment with its exact bytes', async () => {
    expect(withAtt.length).toBeGreaterThan(10);
    for (const m of withAtt.slice(0, 12)) {
      const raw = await m.raw();
      const parsed = await PostalMime.parse(raw);
      expect(parsed.messageId).toMatch(/^<[0-9a-f]{16}\.[0-9a-z]+@[\w.-]+>$/);
      expect(parsed.subject).toBeTruthy();
      expect(parsed.text).toContain('Hi ');
      expect(new Date(parsed.date ?? '').getTime()).toBeLessThanOrEqual(m.receivedMs);
      expect(parsed.attachments.map((a) => a.filename)).toEqual(m.attachments.map((a) => a.filename));
      for (const [i, expected] of m.attachments.entries()) {
        const got = parsed.attachments[i]!;
        expect(got.mimeType).toBe(expected.contentType);
        const content = Buffer.from(got.content as ArrayBuffer);
        expect(content.length).toBe(expected.size);
        expect(sha(content)).toBe(sha(await expected.content()));
      }
      expect(m.flags).toContain('a');
      expect(m.size).toBe(raw.length);
    }
  });

  it('use CRLF line endings throughout and carry no bare LF', async () => {
    for (const m of all.slice(0, 20)) {
      const raw = (await m.raw()).toString('latin1');
      expect(raw.replace(/\r\n/g, '')).not.toMatch(/[\r\n]/);
    }
  });

  it('are byte-identical on every call, in every build, and pinned across processes', async () => {
    const again = buildCorpus({
      seed: 11,
      accounts: 3,
      messagesPerAccount: 30,
      attachmentShare: 0.35,
      spamAssassinDir: null,
    });
    for (const [ai, acc] of corpus.accounts.entries()) {
      for (const [mi, m] of acc.messages.entries()) {
        if (mi % 3 !== 0) continue;
        const a = await m.raw();
        expect(sha(await m.raw())).toBe(sha(a));
        expect(sha(await again.accounts[ai]!.messages[mi]!.raw())).toBe(sha(a));
      }
    }
    // Golden digests: nothing time-, process- or randomness-dependent leaks into the bytes. A nodemailer upgrade
    // that changes its output shows up here first (and would change golden export fixtures).
    const golden = await Promise.all([all[0]!, withAtt[0]!].map(async (m) => sha(await m.raw())));
    expect(golden).toEqual(GOLDEN);
  });

  it('differ for another seed', async () => {
    const other = buildCorpus({
      seed: 12,
      accounts: 3,
      messagesPerAccount: 30,
      attachmentShare: 0.35,
      spamAssassinDir: null,
    });
    const a = await Promise.all(all.slice(0, 10).map(async (m) => sha(await m.raw())));
    const b = await Promise.all(
      other.accounts
        .flatMap((x) => x.messages)
        .slice(0, 10)
        .map(async (m) => sha(await m.raw())),
    );
    expect(a.filter((h, i) => h === b[i])).toEqual([]);
  });
});

const GOLDEN = [
  '7823381039a7e964827cecc4137a4be45a708a67edb43c869fbf6abb2f606ee1',
  '1b0b43bcdf7985f10548a4c320fcdd9b643fc0d3c032e46ad68f7fd0a6c925bb',
];
