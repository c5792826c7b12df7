import { ZimbraClient } from '../../src/soap/zimbra-client.js';
import { startEmulator, type Emulator } from '../../src/emulator/index.js';
import { initRepository } from '../../src/repository/repository.js';
import type { Repository } from '../../src/repository/repository.js';
import { MemoryBackend } from '../../src/store/backends/memory.js';
import { Journal } from '../../src/journal/journal.js';
import { accountPrefix } from '../../src/repository/layout.js';
import type { MailboxState } from '../../src/journal/types.js';

/** An emulator, an admin client and a fresh in-memory repository. */
export interface BackupFixture {
  emu: Emulator;
  client: ZimbraClient;
  repo: Repository;
  close(): Promise<void>;
}

/**
 * The end-to-end suites run with the emulator qualifying every item id on behalf of another
 * mailbox (`<targetId>:<n>`, ItemIdFormatter.java) even under `<noqualify/>`: the worst case a
 * real server produces (ItemActionHelper.java ignores the header), so the client's defensive
 * parsing (src/soap/qualified-ids.ts) is exercised by every backup and restore here.
 */
export async function backupFixture(
  opts: { ignoreNoQualify?: boolean; packSize?: number; encrypted?: boolean } = {},
): Promise<BackupFixture> {
  const emu = await startEmulator({ domain: 'example.test', ignoreNoQualify: opts.ignoreNoQualify ?? true });
  const client = new ZimbraClient({ url: emu.url, adminUrl: emu.adminUrl, retries: 2, retryBaseDelayMs: 10 });
  await client.authAdmin(emu.adminUser, emu.adminPassword);
  const repo = await initRepository({
    backend: new MemoryBackend(),
    compression: 'gzip',
    ...(opts.packSize ? { packSize: opts.packSize } : {}),
    ...(opts.encrypted ? { encryption: { password: 'fixture password', kdf: { N: 1024, r: 8, p: 1 } } } : {}),
  });
  return {
    emu,
    client,
    repo,
    async close() {
      client.close();
      await emu.close();
    },
  };
}

/** The journal's current state of an account, read like a restore would (read-only). */
export async function journalState(repo: Repository, accountId: string, at?: number): Promise<MailboxState> {
  const j = await Journal.open({ backend: repo.backend, prefix: accountPrefix(accountId), readOnly: true });
  try {
    return at === undefined ? j.current() : await j.stateAt(at);
  } finally {
    await j.close();
  }
}

/** Compares the emulator's mailbox with the journal's state: every item's digest, folder, flags, tags, date. */
export function diffMailbox(emu: Emulator, account: string, state: MailboxState): string[] {
  const snap = emu.snapshot(account);
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const it of snap.items) {
    if (it.type === 'conversation') continue;
    const id = String(it.id);
    seen.add(id);
    const rec = state.items.get(id);
    if (!rec) {
      problems.push(`missing ${it.type} ${id}`);
      continue;
    }
    if (String(it.folderId) !== rec.folderId) problems.push(`${id}: folder ${rec.folderId} != ${it.folderId}`);
    if ((it.flags ?? '') !== (rec.flags ?? '')) problems.push(`${id}: flags ${rec.flags} != ${it.flags}`);
    if ([...it.tags].sort().join(',') !== [...(rec.tags ?? [])].sort().join(','))
      problems.push(`${id}: tags ${rec.tags} != ${it.tags}`);
    if (it.sha256 !== undefined && it.sha256 !== rec.digest)
      problems.push(`${id}: digest ${rec.digest} != ${it.sha256}`);
    if (it.type === 'message' && it.dateMs !== rec.dateMs) problems.push(`${id}: date ${rec.dateMs} != ${it.dateMs}`);
    if (
      it.fields !== undefined &&
      JSON.stringify(sortKeys(it.fields)) !== JSON.stringify((rec.meta as { fields?: unknown } | undefined)?.fields)
    )
      problems.push(`${id}: contact fields differ`);
  }
  for (const f of snap.folders) {
    seen.add(String(f.id));
    const entry = state.folders.get(String(f.id));
    if (!entry) problems.push(`missing folder ${f.id} ${f.path}`);
    // The root (11) is its own parent in Zimbra; servers differ in whether they send its `l`.
    else if (entry.record.name !== f.name || (f.id !== 11 && entry.record.folderId !== String(f.parentId)))
      problems.push(`folder ${f.id}: ${entry.record.name}@${entry.record.folderId} != ${f.name}@${f.parentId}`);
  }
  for (const t of snap.tags) {
    seen.add(String(t.id));
    if (state.tags.get(String(t.id))?.name !== t.name) problems.push(`tag ${t.id} ${t.name} missing or renamed`);
  }
  for (const [id, rec] of state.items) if (!seen.has(id)) problems.push(`extra ${rec.kind} ${id} in backup`);
  return problems;
}

function sortKeys(o: Record<string, string>): Record<string, string> {
  return Object.fromEntries(
    Object.keys(o)
      .sort()
      .map((k) => [k, o[k] as string]),
  );
}
