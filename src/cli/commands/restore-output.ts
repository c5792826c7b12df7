/**
 * Output shared by the restore commands: progress on a TTY, the human summary, the dry-run
 * list, and the `--json` shape (a generated password is printed here once, and nowhere else).
 * @module
 */
import type { CommandContext, OptionSpec } from '../command.js';
import type { RestoreProgress, RestoreResult } from '../../restore/types.js';
import type { Secret } from '../../internal/secret.js';

/** Options common to the mailbox restore commands (besides the server ones). */
export const RESTORE_OPTIONS: OptionSpec = {
  repo: { type: 'string' },
  'repo-password-file': { type: 'string' },
  account: { type: 'string' },
  'dry-run': { type: 'boolean' },
  concurrency: { type: 'string' },
};

/** A throttled progress printer for stderr (TTY only). */
export function progressPrinter(ctx: CommandContext): ((p: RestoreProgress) => void) | undefined {
  if (!ctx.tty) return undefined;
  let last = 0;
  return (p) => {
    const now = Date.now();
    if (now - last < 500 && p.phase !== 'done') return;
    last = now;
    ctx.err(`${p.phase} ${p.loaded}${p.total !== undefined ? `/${p.total}` : ''}${p.bytes ? ` ${p.bytes} bytes` : ''}`);
  };
}

/** Words for a restore's target kind (see `RestoreTargetKind`). */
function describeTarget(kind: string | undefined): string {
  switch (kind) {
    case 'new':
      return ' (a new account, created by the restore)';
    case 'original':
      return ' (the original account; only items missing there are written)';
    case 'existing':
      return ' (an EXISTING account that is not the source: --into-existing)';
    case 'resumed':
      return ' (the account an earlier run of this restore created; resuming)';
    default:
      return '';
  }
}

/**
 * Prints a restore result with the resolved instants (UTC) and coverage warnings; resolves to
 * the exit code (1 when some items failed).
 */
export function printRestoreResult(
  ctx: CommandContext,
  json: boolean,
  r: RestoreResult & {
    generatedPassword?: Secret;
    folder?: string;
    createdAccount?: { id: string; name: string };
    targetKind?: string;
    at?: string;
  },
  resolved: { times: Record<string, string>; warnings: string[] } = { times: {}, warnings: [] },
): number {
  const warnings = [...resolved.warnings, ...(r.warnings ?? [])];
  if (json) {
    const { generatedPassword, ...rest } = r;
    ctx.out(
      JSON.stringify({
        ...rest,
        ...resolved.times,
        warnings,
        ...(generatedPassword ? { generatedPassword: generatedPassword.reveal() } : {}),
      }),
    );
    return r.failures.length > 0 ? 1 : 0;
  }
  for (const w of warnings) ctx.err(`warning: ${w}`);
  const times = Object.entries(resolved.times).map(([k, v]) => `--${k} ${v}`);
  if (times.length > 0) ctx.out(`instants (UTC): ${times.join(', ')}`);
  if (r.dryRun) {
    for (const p of r.planned)
      ctx.out(
        `${p.kind.padEnd(11)} ${p.id.padStart(7)}  ${p.path}${p.name && p.kind !== 'folder' ? `  ${p.name}` : ''}${p.size !== undefined ? `  ${p.size} B` : ''}${p.alreadyRestored ? '  (already restored)' : ''}`,
      );
    ctx.out(
      `dry run: ${r.planned.filter((p) => p.kind !== 'folder').length} items would be restored into ${r.targetAccount}${describeTarget(r.targetKind)}${r.folder ? ` under ${r.folder}` : ''}`,
    );
    for (const u of r.unsupported) ctx.err(`would not be restored: ${u.kind} ${u.id}: ${u.reason}`);
    return 0;
  }
  const parts = Object.entries(r.counts)
    .filter(([, c]) => c.restored + c.skipped + c.failed > 0)
    .map(([k, c]) => `${k}: ${c.restored} restored, ${c.skipped} skipped${c.failed ? `, ${c.failed} failed` : ''}`);
  if (r.createdAccount) ctx.out(`created account ${r.createdAccount.name} (${r.createdAccount.id})`);
  if (r.generatedPassword) ctx.out(`generated password (shown once): ${r.generatedPassword.reveal()}`);
  if (r.folder) ctx.out(`restored into folder ${r.folder}`);
  if (r.targetKind) ctx.out(`target mailbox: ${r.targetAccount}${describeTarget(r.targetKind)}`);
  ctx.out(
    `${r.targetAccount}: ${parts.join('; ') || 'nothing to restore'}; ${r.bytes} bytes in ${r.durationMs} ms (restore ${r.restoreId})`,
  );
  for (const u of r.unsupported) ctx.err(`not restored: ${u.kind} ${u.id}: ${u.reason}`);
  for (const f of r.failures) ctx.err(`failed: ${f.kind} ${f.id}: ${f.code}: ${f.message}`);
  return r.failures.length > 0 ? 1 : 0;
}
