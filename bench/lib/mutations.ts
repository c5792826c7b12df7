/**
 * The deterministic "1% change" applied through the emulator's mutation API: equal parts new, moved, flagged
 * and deleted messages, spread over the accounts; the same change is mirrored on the file tree for restic.
 */
import type { Emulator } from '../../src/emulator/index.js';
import { emulatorItems } from './setup.js';

/** Counts of what {@link applyChange} did. */
export interface ChangeSummary {
  created: number;
  moved: number;
  flagged: number;
  deleted: number;
  total: number;
}

/** A small deterministic message (the bench's "new mail"). */
export function benchMessage(tag: string, i: number): string {
  const body = `Benchmark message ${tag}-${i}: new mail arriving after the initial backup.\r\n`.repeat(10 + (i % 40));
  return `From: news${i % 13}@lists.example.test\r\nTo: bench@example.test\r\nSubject: ${tag} ${i}\r\nMessage-ID: <${tag}-${i}@bench.example.test>\r\nDate: Wed, 25 Nov 2026 10:00:00 +0000\r\n\r\n${body}`;
}

/** Message ids of an account, ascending. */
export function messageIds(emu: Emulator, account: string): number[] {
  return emulatorItems(emu, account)
    .filter((it) => it.type === 'message')
    .map((it) => it.id)
    .sort((a, b) => a - b);
}

/**
 * Changes `share` of all messages: a quarter each new, moved, flagged (toggled) and deleted; picks items at a
 * fixed stride so reruns change the same items.
 */
export function applyChange(emu: Emulator, accounts: string[], share: number, tag = 'incr'): ChangeSummary {
  const s: ChangeSummary = { created: 0, moved: 0, flagged: 0, deleted: 0, total: 0 };
  for (const account of accounts) {
    const ids = messageIds(emu, account);
    const per = Math.max(1, Math.round((ids.length * share) / 4));
    const stride = Math.max(1, Math.floor(ids.length / (3 * per + 1)));
    const pick = (k: number): number => ids[(k * stride + 1) % ids.length]!;
    const target = emu.createFolder(account, '/Bench moved', 'message');
    const byId = new Map(emulatorItems(emu, account).map((it) => [it.id, it as { flags?: string }]));
    for (let k = 0; k < per; k++) {
      emu.move(account, pick(k), target);
      const f = pick(per + k);
      const flags = byId.get(f)?.flags ?? '';
      emu.setFlags(account, f, flags.includes('f') ? flags.replace('f', '') : `${flags}f`);
      emu.deleteItem(account, pick(2 * per + k));
      emu.deliver(account, benchMessage(`${tag}-${account}`, k), { folderPath: '/Inbox', flags: 'u' });
      s.moved++;
      s.flagged++;
      s.deleted++;
      s.created++;
    }
  }
  s.total = s.created + s.moved + s.flagged + s.deleted;
  return s;
}
