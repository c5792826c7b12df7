import type { BackupProgress } from '../backup/progress.js';
import type { CommandContext } from './command.js';

/**
 * A one-line progress display on a TTY (redrawn at most every 200 ms); nothing when stderr is
 * not a terminal, so logs and pipes stay clean.
 */
export function progressLine(ctx: CommandContext): { onProgress: (p: BackupProgress) => void; done: () => void } {
  if (!ctx.tty) return { onProgress: () => {}, done: () => {} };
  let last = 0;
  let items = 0;
  let bytes = 0;
  const perAccount = new Map<string, { items: number; bytes: number }>();
  return {
    onProgress(p) {
      if (p.accountId !== undefined) {
        perAccount.set(p.accountId, { items: p.items ?? 0, bytes: p.bytes ?? 0 });
        items = 0;
        bytes = 0;
        for (const v of perAccount.values()) {
          items += v.items;
          bytes += v.bytes;
        }
      }
      const now = Date.now();
      if (now - last < 200) return;
      last = now;
      process.stderr.write(
        `\r\x1b[K${p.phase} accounts=${perAccount.size} items=${items} MB=${(bytes / 1e6).toFixed(1)}`,
      );
    },
    done() {
      process.stderr.write('\r\x1b[K');
    },
  };
}
