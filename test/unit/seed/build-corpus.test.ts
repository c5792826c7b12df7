import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ZimbraBackupError } from '../../../src/errors.js';
import {
  SpamAssassinSource,
  buildCorpus,
  corpusEpoch,
  corpusStats,
  measureCorpus,
  type Corpus,
} from '../../../src/emulator/seed/index.js';

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');
const hasDataset = SpamAssassinSource.open() !== undefined;
const DAY = 86_400_000;

/** Everything but the bytes, as comparable plain data. */
function metadata(c: Corpus): unknown {
  return {
    ...c,
    accounts: c.accounts.map((a) => ({
      ...a,
      messages: a.messages.map((m) => [
        m.folderPath,
        m.flags,
        m.tags,
        m.receivedMs,
        m.sharedId,
        m.origin,
        m.attachments?.map((x) => [x.filename, x.size]),
      ]),
      documents: a.documents.map((d) => [d.folderPath, d.name, d.contentType]),
    })),
  };
}

describe('buildCorpus', () => {
  const opts = { seed: 3, accounts: 6, messagesPerAccount: 120, attachmentShare: 0.2, listShare: 0.25 };
  const corpus = buildCorpus(opts);

  it('is deterministic: same options give the same metadata and the same bytes, another seed differs', async () => {
    const again = buildCorpus(opts);
    expect(metadata(again)).toEqual(metadata(corpus));
    const sample = corpus.accounts
      .flatMap((a, ai) => a.messages.map((m, mi) => ({ m, ai, mi })))
      .filter((_, i) => i % 37 === 0);
    expect(sample.some((s) => s.m.origin === 'composed')).toBe(true);
    for (const { m, ai, mi } of sample)
      expect(sha(await again.accounts[ai]!.messages[mi]!.raw())).toBe(sha(await m.raw()));
    for (const [ai, a] of corpus.accounts.entries()) {
      for (const [di, d] of a.documents.entries())
        expect(sha(await again.accounts[ai]!.documents[di]!.content())).toBe(sha(await d.content()));
    }
    const other = buildCorpus({ ...opts, seed: 4 });
    expect(metadata(other)).not.toEqual(metadata(corpus));
    expect(other.epochMs).not.toBe(corpus.epochMs);
  });

  it('gives every account exactly M messages, sorted by received date within the 90 days before the epoch', () => {
    expect(corpus.epochMs).toBe(corpusEpoch(3));
    expect(corpus.epochMs % DAY).toBe(0);
    for (const a of corpus.accounts) {
      expect(a.messages).toHaveLength(120);
      const times = a.messages.map((m) => m.receivedMs);
      expect(times).toEqual([...times].sort((x, y) => x - y));
      for (const t of times) {
        expect(t).toBeLessThanOrEqual(corpus.epochMs);
        expect(t).toBeGreaterThanOrEqual(corpus.epochMs - 90 * DAY);
        expect(t % 1000).toBe(0);
      }
    }
  });

  it('respects the attachment and list shares roughly, and flags attachments with "a"', () => {
    const big = buildCorpus({ seed: 5, accounts: 10, messagesPerAccount: 400, attachmentShare: 0.1, listShare: 0.2 });
    const all = big.accounts.flatMap((a) => a.messages);
    const withAtt = all.filter((m) => (m.attachments?.length ?? 0) > 0);
    expect(withAtt.length / all.length).toBeGreaterThan(0.07);
    expect(withAtt.length / all.length).toBeLessThan(0.13);
    for (const m of all) expect(m.flags.includes('a')).toBe((m.attachments?.length ?? 0) > 0);
    for (const a of big.accounts) {
      const shared = a.messages.filter((m) => m.sharedId !== undefined).length;
      expect(shared).toBeGreaterThanOrEqual(60);
      expect(shared).toBeLessThanOrEqual(80);
    }
    const unread = all.filter((m) => m.flags.includes('u')).length / all.length;
    expect(unread).toBeGreaterThan(0.1);
    expect(unread).toBeLessThan(0.5);
    expect(all.some((m) => m.flags.includes('f'))).toBe(true);
    expect(all.some((m) => m.flags.includes('r'))).toBe(true);
    expect(all.some((m) => m.tags.length > 0)).toBe(true);
    for (const m of all) expect(m.flags).toMatch(/^s?a?r?w?f?u?$/);
  });

  it('files mail the account sent in /Sent, composed, from the account, with the s flag and never unread', async () => {
    const sent = corpus.accounts.flatMap((a) =>
      a.messages.filter((m) => m.folderPath === '/Sent').map((m) => ({ a, m })),
    );
    expect(sent.length).toBeGreaterThan(10);
    for (const { a, m } of sent.slice(0, 5)) {
      expect(m.origin).toBe('composed');
      expect(m.flags).toMatch(/^s/);
      expect(m.flags).not.toContain('u');
      expect((await m.raw()).toString('latin1')).toMatch(
        new RegExp(`^From: .*<${a.name.replace('.', '\\.')}>\r$`, 'm'),
      );
    }
    for (const m of corpus.accounts.flatMap((a) => a.messages))
      expect(m.flags.includes('s')).toBe(m.folderPath === '/Sent');
  });

  it('delivers each list post to several accounts with the same sharedId and the same bytes', async () => {
    const bySharedId = new Map<string, Array<{ account: string; raw: () => Promise<Buffer>; folder: string }>>();
    for (const a of corpus.accounts) {
      for (const m of a.messages) {
        if (m.sharedId === undefined) continue;
        const list = bySharedId.get(m.sharedId) ?? [];
        list.push({ account: a.name, raw: () => m.raw(), folder: m.folderPath });
        bySharedId.set(m.sharedId, list);
      }
    }
    expect(bySharedId.size).toBeGreaterThan(5);
    let checked = 0;
    for (const [, deliveries] of bySharedId) {
      expect(deliveries.length).toBeGreaterThanOrEqual(2);
      expect(new Set(deliveries.map((d) => d.account)).size).toBe(deliveries.length);
      for (const d of deliveries) expect(d.folder === '/Inbox' || d.folder.startsWith('/Inbox/Lists/')).toBe(true);
      if (checked++ < 6) {
        const digests = await Promise.all(deliveries.map(async (d) => sha(await d.raw())));
        expect(new Set(digests).size).toBe(1);
      }
    }
    const stats = corpusStats(corpus);
    expect(stats.uniqueMessages).toBe(stats.messages - stats.sharedDeliveries + bySharedId.size);
  });

  it('creates every folder a message, contact, appointment or document is filed in (parents first)', () => {
    const system = new Set([
      '/Inbox',
      '/Sent',
      '/Junk',
      '/Trash',
      '/Drafts',
      '/Contacts',
      '/Emailed Contacts',
      '/Calendar',
      '/Tasks',
      '/Briefcase',
    ]);
    for (const a of corpus.accounts) {
      const created = new Set<string>();
      for (const f of a.folders) {
        const parent = f.path.slice(0, f.path.lastIndexOf('/')) || '/';
        expect(parent === '/' || system.has(parent) || created.has(parent)).toBe(true);
        created.add(f.path);
      }
      const used = [
        ...a.messages.map((m) => m.folderPath),
        ...a.contacts.map((c) => c.folderPath),
        ...a.calendar.map((c) => c.folderPath),
        ...a.documents.map((d) => d.folderPath),
      ];
      for (const p of used) expect(system.has(p) || created.has(p)).toBe(true);
      expect(a.tags.length).toBeGreaterThanOrEqual(3);
      for (const t of a.tags) expect(t.color).toBeGreaterThanOrEqual(1);
      for (const m of a.messages) for (const t of m.tags) expect(a.tags.map((x) => x.name)).toContain(t);
      expect(new Set(a.documents.map((d) => `${d.folderPath}/${d.name}`)).size).toBe(a.documents.length);
    }
    expect(new Set(corpus.accounts.map((a) => a.name)).size).toBe(6);
    expect(corpus.accounts[0]!.name).toBe('user1@example.test');
  });

  it('has contacts, distribution lists of accounts and classes of service', () => {
    const names = new Set(corpus.accounts.map((a) => a.name));
    for (const dl of corpus.distributionLists) {
      expect(dl.name).toMatch(/@example\.test$/);
      for (const m of dl.members) expect(names.has(m)).toBe(true);
    }
    expect(corpus.distributionLists[0]!.members).toHaveLength(6);
    expect(corpus.coses.length).toBeGreaterThanOrEqual(1);
    for (const a of corpus.accounts) expect(corpus.coses.map((c) => c.name)).toContain(a.cos);
    for (const c of corpus.accounts.flatMap((a) => a.contacts)) {
      expect(c.fields['firstName']).toBeTruthy();
      expect(c.fields['lastName']).toBeTruthy();
      expect(c.fields['email']).toMatch(/^[^@\s]+@[\w.-]+$/);
      expect(c.fields['company']).toBeTruthy();
      expect(c.fields['workPhone']).toMatch(/^\+1-202-555-01\d\d$/);
    }
  });

  it.runIf(hasDataset)(
    'uses real SpamAssassin messages when the dataset is installed, without the mbox From_ line',
    async () => {
      expect(corpus.corpusSource).toBe('spamassassin');
      const real = corpus.accounts.flatMap((a) => a.messages).filter((m) => m.origin === 'real');
      expect(real.length).toBeGreaterThan(corpus.accounts.length * 120 * 0.5);
      for (const m of real.slice(0, 20)) {
        const raw = (await m.raw()).toString('latin1');
        const trace = /^Received: from mx1\.example\.test [^\n]*\n\tby [^\n]*\n\tfor <[^>]+>; [^\n]*\n/.exec(raw);
        expect(trace).not.toBeNull();
        const original = raw.slice(trace![0].length);
        expect(original.startsWith('From ')).toBe(false);
        expect(original).toMatch(/^[\x21-\x39\x3b-\x7e]+:/);
      }
    },
  );

  it('falls back to composed messages when the dataset is missing, and says so', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'zb-seed-missing-'));
    try {
      const c = buildCorpus({ seed: 3, accounts: 2, messagesPerAccount: 20, spamAssassinDir: join(dir, 'nope') });
      expect(c.corpusSource).toBe('composed');
      const all = c.accounts.flatMap((a) => a.messages);
      expect(all.every((m) => m.origin === 'composed')).toBe(true);
      expect((await all[0]!.raw()).toString('latin1')).toMatch(/^From: /m);
      expect(buildCorpus({ seed: 3, accounts: 1, messagesPerAccount: 5, spamAssassinDir: null }).corpusSource).toBe(
        'composed',
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('rejects invalid options with ZB_INVALID_ARGUMENT', () => {
    const bad = [
      { seed: 1.5, accounts: 1, messagesPerAccount: 1 },
      { seed: 1, accounts: -1, messagesPerAccount: 1 },
      { seed: 1, accounts: 1, messagesPerAccount: 1, listShare: 1.5 },
      { seed: 1, accounts: 1, messagesPerAccount: 1, attachmentShare: Number.NaN },
      { seed: 1, accounts: 1, messagesPerAccount: 1, attachmentSizes: { min: 10, max: 5 } },
      { seed: 1, accounts: 1, messagesPerAccount: 1, domain: 'no_tld' },
      { seed: 1, accounts: 1, messagesPerAccount: 1, domain: '../x.test' },
    ];
    for (const o of bad) {
      let err: unknown;
      try {
        buildCorpus(o);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(ZimbraBackupError);
      expect((err as ZimbraBackupError).code).toBe('ZB_INVALID_ARGUMENT');
    }
  });

  it('handles one account (no shared posts) and zero messages', () => {
    const one = buildCorpus({ seed: 1, accounts: 1, messagesPerAccount: 10, listShare: 0.5 });
    expect(one.accounts[0]!.messages).toHaveLength(10);
    expect(one.accounts[0]!.messages.every((m) => m.sharedId === undefined)).toBe(true);
    expect(
      buildCorpus({ seed: 1, accounts: 2, messagesPerAccount: 0 }).accounts.every((a) => a.messages.length === 0),
    ).toBe(true);
  });

  it('measures exact sizes once built, counting shared messages once', async () => {
    const c = buildCorpus({ seed: 8, accounts: 3, messagesPerAccount: 15, listShare: 0.3, spamAssassinDir: null });
    const before = corpusStats(c);
    expect(before.unsizedMessages).toBe(before.uniqueMessages);
    expect(before.knownBytes).toBe(0);
    const after = await measureCorpus(c);
    expect(after.unsizedMessages).toBe(0);
    let total = 0;
    for (const a of c.accounts) for (const m of a.messages) total += (await m.raw()).length;
    expect(after.knownBytes).toBe(total);
    expect(after.knownUniqueBytes).toBeLessThan(total);
  });
});
