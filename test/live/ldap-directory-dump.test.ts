/**
 * The directory dump against a real OpenLDAP slapd (started by test/live/global-setup.ts): paging
 * through a size-limited server, binary and non-ASCII values, and LDIF that loads back into an
 * empty slapd with slapadd (all attributes, operational ones included) and with ldapadd.
 */
import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { gunzipSync } from 'node:zlib';
import { Client, InvalidCredentialsError, SizeLimitExceededError } from 'ldapts';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { MemoryBackend } from '../../src/store/backends/memory.js';
import {
  DEFAULT_OPERATIONAL_ATTRIBUTES,
  dumpDirectory,
  readDirectoryDump,
  saveDirectoryDump,
  writeDirectoryDump,
  writeDirectoryLdif,
  type DirectoryDumpOptions,
  type DirectoryEntry,
} from '../../src/directory/index.js';
import { Secret } from '../../src/internal/secret.js';
import { isZimbraBackupError } from '../../src/errors.js';
import { findLdapBinary, launchSlapd, run, type LiveLdap } from './setup/slapd.js';
import { populateDirectory, PHOTO, type Population } from '../fixtures/ldap/population.js';

const provided = inject('ldap');
const live = 'url' in provided ? provided : undefined;
if (!live) console.warn(`[live] LDAP suite skipped: ${(provided as { unavailable: string }).unavailable}`);

async function collect(opts: DirectoryDumpOptions): Promise<DirectoryEntry[]> {
  const out: DirectoryEntry[] = [];
  for await (const e of dumpDirectory(opts)) out.push(e);
  return out;
}

/** Entries keyed by lower-cased DN, optionally without the operational attributes. */
function byDn(entries: DirectoryEntry[], dropOperational = false): Map<string, DirectoryEntry> {
  const drop = new Set(DEFAULT_OPERATIONAL_ATTRIBUTES.map((a) => a.toLowerCase()));
  return new Map(
    entries.map((e) => {
      const attributes = Object.fromEntries(
        Object.entries(e.attributes).filter(([k]) => !dropOperational || !drop.has(k.toLowerCase())),
      );
      return [e.dn.toLowerCase(), { ...e, attributes }];
    }),
  );
}

/** Parents come before children in dump order (what ldapadd and slapadd need). */
function expectParentsFirst(entries: DirectoryEntry[]): void {
  const seen = new Set<string>();
  for (const e of entries) {
    const parent = e.dn.toLowerCase().replace(/^(?:[^,\\]|\\.)*,?/, '');
    if (parent !== '') expect(seen.has(parent), `${e.dn} before its parent`).toBe(true);
    seen.add(e.dn.toLowerCase());
  }
}

describe.skipIf(!live)('directory dump against a real slapd', () => {
  const ldap = live as LiveLdap;
  let pop: Population;
  let tmp: string;
  let backup: DirectoryDumpOptions;
  const timings: Record<string, number> = {};

  beforeAll(async () => {
    tmp = await mkdtemp(join(tmpdir(), 'zb-ldap-test-'));
    pop = await populateDirectory(ldap);
    // A non-root admin: the server's size limit (5 for plain searches) applies to it.
    backup = { url: ldap.url, bindDN: pop.backupDN, password: new Secret(pop.backupPassword), pageSize: 2 };
  });

  afterAll(async () => {
    if (tmp) await rm(tmp, { recursive: true, force: true });
    console.log(`[live] slapd started in ${ldap.startMs} ms; timings (ms): ${JSON.stringify(timings)}`);
  });

  it('pages past the server size limit and dumps every kind with its values', async () => {
    const plain = new Client({ url: ldap.url });
    await plain.bind(pop.backupDN, pop.backupPassword);
    await expect(plain.search('', { scope: 'sub', filter: '(objectClass=*)' })).rejects.toBeInstanceOf(
      SizeLimitExceededError,
    );
    await plain.unbind();

    const t0 = Date.now();
    const progress: number[] = [];
    const entries = await collect({ ...backup, onProgress: (p) => progress.push(p.loaded) });
    timings['dumpPage2'] = Date.now() - t0;
    expect(entries.length).toBe(pop.total);
    expect(progress).toEqual(entries.map((_, i) => i + 1));
    const counts: Record<string, number> = {};
    for (const e of entries) counts[e.kind] = (counts[e.kind] ?? 0) + 1;
    expect(counts).toEqual(pop.counts);
    expectParentsFirst(entries);
    expect(new Set(entries.map((e) => e.dn.toLowerCase())).size).toBe(entries.length);

    const get = (dn: string): DirectoryEntry => {
      const e = entries.find((x) => x.dn.toLowerCase() === dn.toLowerCase());
      if (!e) throw new Error(`missing ${dn}`);
      return e;
    };
    const alice = get(pop.dns.alice);
    expect(alice.kind).toBe('account');
    expect(alice.attributes['thumbnailPhoto']).toEqual([PHOTO]);
    expect(alice.attributes['displayName']).toEqual(['Zoë Ångström 日本語']);
    expect(alice.attributes['userPassword']).toEqual([pop.alicePasswordHash]);
    expect(alice.attributes['zimbraMailAlias']).toEqual(['al@example.test', 'alice.alias@example.test']);
    expect(alice.attributes['description']).toEqual([' leading and trailing spaces ']);
    expect(typeof alice.attributes['entryUUID']?.[0]).toBe('string');
    // The server re-escapes the comma in hex (RFC 4514 allows both).
    const hostile = entries.find((x) => x.attributes['uid']?.[0] === 'équipe,ventes');
    expect(hostile?.dn.toLowerCase()).toBe('uid=équipe\\2cventes,ou=people,dc=example,dc=test');
    expect(hostile?.attributes['cn']).toEqual([':starts with a colon']);
    expect(get(pop.dns.room).kind).toBe('calendarResource');
    expect(get('cn=config,cn=zimbra').kind).toBe('globalConfig');
  });

  it('writes gzip LDIF that reads back identically, folded and base64 where needed', async () => {
    const file = join(tmp, 'dump.ldif.gz');
    const t0 = Date.now();
    const res = await writeDirectoryDump({ ...backup, out: createWriteStream(file) });
    timings['writeDump'] = Date.now() - t0;
    expect(res.summary.entries).toBe(pop.total);
    expect(res.summary.byKind).toMatchObject(pop.counts);
    const gz = await readFile(file);
    expect(res.bytes).toBe(gz.length);
    const text = gunzipSync(gz).toString('utf8');
    expect(text.startsWith('# zimbra-backup directory dump\n')).toBe(true);
    for (const line of text.split('\n')) expect(line.length).toBeLessThanOrEqual(76);
    expect(text).toContain(`displayName:: ${Buffer.from('Zoë Ångström 日本語').toString('base64')}`);
    expect(text).toMatch(/\ndn:: /);

    const back: DirectoryEntry[] = [];
    for await (const e of readDirectoryDump(createReadStream(file))) back.push(e);
    expect(back).toEqual(await collect(backup));
  });

  it('round-trips through slapadd into an empty server: every attribute, operational ones included', async () => {
    const original = await collect(backup);
    const file = join(tmp, 'slapadd.ldif.gz');
    await writeDirectoryDump({ ...backup, out: createWriteStream(file) });
    const t0 = Date.now();
    const copy = await launchSlapd({ preload: gunzipSync(await readFile(file)).toString('utf8') });
    timings['slapaddAndStart'] = Date.now() - t0;
    try {
      const restored = await collect({ ...backup, url: copy.url, bindDN: copy.bindDN, password: copy.password });
      expect(byDn(restored)).toEqual(byDn(original));
    } finally {
      await copy.stop();
    }
  });

  it.skipIf(!findLdapBinary('ldapadd'))('round-trips through ldapadd (operational attributes left out)', async () => {
    const original = await collect(backup);
    const file = join(tmp, 'ldapadd.ldif');
    await writeDirectoryLdif(dumpDirectory(backup), createWriteStream(file), {
      gzip: false,
      omitOperational: true,
      header: 'for ldapadd\nsame header format as a dump',
    });
    const copy = await launchSlapd({ preload: '' });
    try {
      const pwFile = join(tmp, 'pw');
      await writeFile(pwFile, copy.password, { mode: 0o600 });
      const t0 = Date.now();
      // -y: the password from a file, never on the command line.
      await run(findLdapBinary('ldapadd')!, ['-x', '-H', copy.url, '-D', copy.bindDN, '-y', pwFile, '-f', file]);
      timings['ldapadd'] = Date.now() - t0;
      const restored = await collect({ ...backup, url: copy.url, bindDN: copy.bindDN, password: copy.password });
      expect(byDn(restored, true)).toEqual(byDn(original, true));
    } finally {
      await copy.stop();
    }
  });

  it('still dumps everything in order when the server hides its subschema (whole-tree scan)', async () => {
    const original = await collect(backup);
    const file = join(tmp, 'noschema.ldif.gz');
    await writeDirectoryDump({ ...backup, out: createWriteStream(file) });
    const copy = await launchSlapd({
      preload: gunzipSync(await readFile(file)).toString('utf8'),
      globalDirectives: ['access to dn.base="cn=Subschema" by * none', 'access to * by * read'],
    });
    try {
      const warnings: string[] = [];
      const logger = {
        debug: () => {},
        info: () => {},
        error: () => {},
        warn: (_o: object | string, msg?: string) => void warnings.push(String(msg)),
      };
      const restored = await collect({ ...backup, url: copy.url, logger });
      expect(warnings.join()).toContain('subschema unreadable');
      expect(restored.map((e) => e.dn)).toEqual(original.map((e) => e.dn));
      expect(byDn(restored)).toEqual(byDn(original));
    } finally {
      await copy.stop();
    }
  });

  it('saves the dump into a repository backend under the given key', async () => {
    const backend = new MemoryBackend();
    const key = 'directory/2026-11-26T04-00-00Z.ldif.gz';
    const res = await saveDirectoryDump({ ...backup, backend, key });
    expect(res.key).toBe(key);
    expect((await backend.stat(key))?.size).toBe(res.bytes);
    let n = 0;
    for await (const _ of readDirectoryDump(await backend.get(key))) n++;
    expect(n).toBe(pop.total);
  });

  it('stores no second dump of an unchanged directory (ifChanged), and a new one when the content differs', async () => {
    // Issue 12 (src/directory/dump-store.ts): the digest in the newest dump's header decides.
    const backend = new MemoryBackend();
    const k1 = 'directory/20261126T040000Z.ldif.gz';
    const first = await saveDirectoryDump({ ...backup, backend, key: k1, ifChanged: true });
    expect(first).toMatchObject({ key: k1, unchanged: false });
    const again = await saveDirectoryDump({
      ...backup,
      backend,
      key: 'directory/20261126T050000Z.ldif.gz',
      ifChanged: true,
    });
    expect(again).toMatchObject({ key: k1, unchanged: true, bytes: 0, digest: first.digest });
    // Without the operational attributes the content is different (the shared server is not modified).
    const k3 = 'directory/20261126T060000Z.ldif.gz';
    const other = await saveDirectoryDump({ ...backup, operationalAttributes: [], backend, key: k3, ifChanged: true });
    expect(other).toMatchObject({ key: k3, unchanged: false });
    const keys: string[] = [];
    for await (const o of backend.list('directory/')) keys.push(o.key);
    expect(keys.sort()).toEqual([k1, k3]);
  });

  it('reports a wrong password as ZB_LDAP (result code 49) without the password anywhere', async () => {
    const wrong = `wrong-${randomBytes(6).toString('hex')}`;
    const err = await collect({ ...backup, password: wrong }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isZimbraBackupError(err, 'ZB_LDAP')).toBe(true);
    const e = err as Error & { resultCode?: number; retryable?: boolean; data: Record<string, unknown> };
    expect(e.resultCode).toBe(49);
    expect(e.retryable).toBe(false);
    expect(e.cause).toBeInstanceOf(InvalidCredentialsError);
    for (const text of [e.message, JSON.stringify(e), inspect(e, { depth: 10 }), String(e.stack)])
      expect(text).not.toContain(wrong);
    expect(e.data).toMatchObject({ op: 'bind', bindDN: pop.backupDN });
  });

  it('reports an unreachable server as a retryable ZB_LDAP and an abort as ZB_ABORTED', async () => {
    const closed = await collect({ ...backup, url: 'ldap://127.0.0.1:1', connectTimeoutMs: 2000 }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isZimbraBackupError(closed, 'ZB_LDAP')).toBe(true);
    expect((closed as { retryable: boolean }).retryable).toBe(true);

    const ac = new AbortController();
    let seen = 0;
    const aborted = (async () => {
      for await (const _ of dumpDirectory({ ...backup, signal: ac.signal })) if (++seen === 3) ac.abort();
    })();
    await expect(aborted).rejects.toMatchObject({ code: 'ZB_ABORTED' });
    expect(seen).toBe(3);

    // Aborted while a bind or page request is in flight: ldapts would leave it pending forever.
    for (const delayMs of [0, 2, 5]) {
      const inflight = new AbortController();
      setTimeout(() => inflight.abort(), delayMs);
      const run = collect({ ...backup, pageSize: 1, signal: inflight.signal });
      const timeout = new Promise((_, rej) =>
        setTimeout(() => rej(new Error('abort did not end the dump')), 5000).unref(),
      );
      await expect(Promise.race([run, timeout])).rejects.toMatchObject({ code: 'ZB_ABORTED' });
    }
  });

  it('rejects bad options before connecting', async () => {
    await expect(collect({ ...backup, pageSize: 0 })).rejects.toMatchObject({ code: 'ZB_INVALID_ARGUMENT' });
    await expect(collect({ ...backup, url: 'http://127.0.0.1' })).rejects.toMatchObject({
      code: 'ZB_INVALID_ARGUMENT',
    });
  });
});
