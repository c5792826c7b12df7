/**
 * Message envelopes in the journal (meta.envelope) and `ls` showing and searching them.
 * GetMsgMetadataRequest carries no subject or addresses (zm-mailbox service/mail/GetMsgMetadata.java:
 * SUMMARY_FIELDS has no Change.CONTENT), so capture reads the header block while it streams the
 * blob it downloads anyway; no extra request, no second download.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BackupEngine } from '../../src/backup/backup-engine.js';
import { HeaderTap, parseEnvelope } from '../../src/backup/message-envelope.js';
import { startEmulator, type Emulator } from '../../src/emulator/index.js';
import { Journal } from '../../src/journal/journal.js';
import { accountPrefix } from '../../src/repository/layout.js';
import { initRepository } from '../../src/repository/repository.js';
import { ZimbraClient } from '../../src/soap/zimbra-client.js';
import { LocalBackend } from '../../src/store/backends/local.js';
import { runMain } from '../helpers/cli.js';

let dir: string;
let emu: Emulator;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'zb-env-'));
  emu = await startEmulator({ domain: 'example.test' });
});
afterAll(async () => {
  await emu?.close();
  await rm(dir, { recursive: true, force: true });
});

const ls = (args: string[]) => runMain(['ls', ...args]);

describe('message envelopes', () => {
  it('the header tap keeps the header block across chunk boundaries and passes every byte on', async () => {
    const raw = Buffer.from(
      'Subject: =?UTF-8?B?w4lsw6lnYW50ZQ==?= report\r\nFrom: "Ana Silva" <ana@example.test>\r\n' +
        'To: bob@example.test, Carla <carla@example.test>\r\nCc: dan@example.test\r\n' +
        'Date: Tue, 01 Dec 2026 10:00:00 +0100\r\nMessage-ID: <abc.123@example.test>\r\n\r\nbody\r\n',
    );
    const tap = new HeaderTap();
    const seen: Buffer[] = [];
    const chunks = [...Array(Math.ceil(raw.length / 7)).keys()].map((i) => raw.subarray(i * 7, i * 7 + 7));
    await pipeline(
      Readable.from(chunks),
      tap,
      new Writable({
        write(c: Buffer, _e, cb) {
          seen.push(c);
          cb();
        },
      }),
    );
    expect(Buffer.concat(seen).equals(raw)).toBe(true);
    expect(tap.head.toString()).toBe(raw.toString().split('\r\n\r\n')[0] + '\r\n\r\n');
    expect(await parseEnvelope(tap.head)).toEqual({
      subject: 'Élégante report',
      from: 'Ana Silva <ana@example.test>',
      to: ['bob@example.test', 'Carla <carla@example.test>', 'dan@example.test'],
      sentMs: Date.parse('2026-12-01T09:00:00Z'),
      messageId: 'abc.123@example.test',
    });
    expect(await parseEnvelope(Buffer.from('X-Nothing: here\r\n\r\n'))).toBeUndefined();
  });

  it('capture records envelopes; ls shows and searches them; records without one stay readable', async () => {
    const acct = emu.createAccount('env@example.test', 'pw-e');
    const t1 = Date.parse('2026-12-01T10:00:00Z');
    const t2 = Date.parse('2026-12-03T10:00:00Z');
    const a = emu.deliver(
      acct.name,
      'Subject: Quarterly numbers\r\nFrom: Ana <ana@example.test>\r\nTo: env@example.test\r\nMessage-ID: <q1@example.test>\r\n\r\nx\r\n',
      { receivedMs: t1 },
    );
    const b = emu.deliver(acct.name, 'Subject: Lunch?\r\nFrom: bob@example.test\r\nTo: env@example.test\r\n\r\ny\r\n', {
      receivedMs: t2,
    });
    const repoDir = join(dir, 'repo');
    const repo = await initRepository({ backend: new LocalBackend({ root: repoDir }) });
    const client = new ZimbraClient({ url: emu.url, adminUrl: emu.adminUrl });
    await client.authAdmin(emu.adminUser, emu.adminPassword);
    try {
      const r = await new BackupEngine({ client, repository: repo }).run();
      expect(r.failures).toEqual([]);
    } finally {
      client.close();
    }
    // An old-style record (no envelope) for a third message, as a repository from before the change holds.
    const j = await Journal.open({ backend: repo.backend, prefix: accountPrefix(acct.id) });
    const stored = j.current().items.get(String(b))!;
    await j.commit([{ ...stored, id: '99999', captureMs: undefined, meta: undefined } as never], {
      state: j.lastState() ?? null,
    });
    await j.close();

    const base = ['--repo', repoDir, '--account', acct.name];
    const all = await ls([...base, '--json']);
    expect(all.code, all.err).toBe(0);
    const items = (JSON.parse(all.out) as { items: Array<Record<string, unknown>> }).items;
    const byId = new Map(items.map((i) => [i['id'], i]));
    expect(byId.get(String(a))).toMatchObject({
      subject: 'Quarterly numbers',
      from: 'Ana <ana@example.test>',
      to: ['env@example.test'],
      messageId: 'q1@example.test',
    });
    expect(byId.get('99999')).toBeDefined();
    expect(byId.get('99999')?.['subject']).toBeUndefined();

    const text = await ls(base);
    expect(text.out).toMatch(new RegExp(`^\\s*${a} message .*Ana <ana@example\\.test>\\s+Quarterly numbers$`, 'm'));

    const ids = async (args: string[]): Promise<string[]> => {
      const r = await ls([...base, '--json', ...args]);
      expect(r.code, r.err).toBe(0);
      return (JSON.parse(r.out) as { items: Array<{ id: string; kind: string }> }).items
        .filter((i) => i.kind === 'message')
        .map((i) => i.id);
    };
    expect(await ids(['--subject', 'quarterly'])).toEqual([String(a)]);
    expect(await ids(['--from', 'BOB@'])).toEqual([String(b)]);
    expect(await ids(['--sender', 'ana'])).toEqual([String(a)]);
    expect(await ids(['--between', '2026-12-02T00:00Z..2026-12-04T00:00Z'])).toEqual([String(b), '99999']);
    expect(await ids(['--folder', '/Inbox', '--subject', 'lunch'])).toEqual([String(b)]);
    const bad = await ls([...base, '--between', '2026-12-02T00:00..2026-12-04T00:00Z']);
    expect(bad.code).toBe(2);
    const reversed = await ls([...base, '--between', '2026-12-04T00:00Z..2026-12-02T00:00Z']);
    expect(reversed.err).toMatch(/start must be at or before the end/);
  });
});
