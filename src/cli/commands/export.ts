import { createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { Writable } from 'node:stream';
import { ZimbraBackupError } from '../../errors.js';
import { exportArchive, type ExportProgress } from '../../export/export-archive.js';
import { optList, optString, optTime, readPassword, requireString } from '../args.js';
import type { Command, CommandContext } from '../command.js';
import { repositoryFromArgs } from '../connect.js';

/** stdout as a destination the export may end without closing the process's stdout. */
function stdoutSink(): Writable {
  return new Writable({
    write(chunk: Buffer, _enc, cb) {
      process.stdout.write(chunk, (err) => cb(err ?? null));
    },
    final(cb) {
      cb();
    },
  });
}

function progress(ctx: CommandContext): (p: ExportProgress) => void {
  let last = 0;
  return (p) => {
    const now = Date.now();
    if (p.phase !== 'done' && now - last < 500) return;
    last = now;
    ctx.err(`export: ${p.phase} ${p.loaded}/${p.total}, ${(p.bytes / 1e6).toFixed(1)} MB written`);
  };
}

/** `zimbra-backup export`: one deterministic tar(.gz) archive of the repository at an instant. */
export const exportCommand: Command = {
  name: 'export',
  summary:
    'write accounts (directory, mailbox state at an instant, each blob once) as one tar.gz archive, to a file or stdout',
  usage:
    'zimbra-backup export --repo PATH|s3://bucket/prefix --out FILE.tar.gz|- [--accounts a,b] [--domain D] [--at ISO-TIME] [--compression gzip|none] [--encrypt (--archive-password-file F | env ZB_ARCHIVE_PASSWORD)] [--repo-password-file F | env ZB_REPO_PASSWORD] [--json]',
  options: {
    repo: { type: 'string' },
    'repo-password-file': { type: 'string' },
    out: { type: 'string' },
    accounts: { type: 'string', multiple: true },
    domain: { type: 'string', multiple: true },
    at: { type: 'string' },
    compression: { type: 'string' },
    encrypt: { type: 'boolean' },
    'archive-password-file': { type: 'string' },
  },
  async run(values, ctx) {
    const outPath = requireString(values, 'out');
    const compression = optString(values, 'compression') ?? (outPath.endsWith('.tar') ? 'none' : 'gzip');
    if (compression !== 'gzip' && compression !== 'none')
      throw new ZimbraBackupError('--compression must be gzip or none', {
        code: 'ZB_INVALID_ARGUMENT',
        data: { field: 'compression' },
      });
    const archivePassword = values['encrypt']
      ? await readPassword(values, ctx.env, 'archive-password-file', 'ZB_ARCHIVE_PASSWORD')
      : undefined;
    if (values['encrypt'] && !archivePassword)
      throw new ZimbraBackupError('--encrypt needs a password: --archive-password-file F or env ZB_ARCHIVE_PASSWORD', {
        code: 'ZB_KEY_REQUIRED',
      });
    const repo = await repositoryFromArgs(values, ctx);
    const accounts = optList(values, 'accounts');
    const domains = optList(values, 'domain');
    const at = optTime(values, 'at');
    const toStdout = outPath === '-';
    // A file appears under its name only when complete: a failed export leaves no half archive.
    const part = `${outPath}.part`;
    const out = toStdout ? stdoutSink() : createWriteStream(part, { mode: 0o600 });
    try {
      const r = await exportArchive({
        repo,
        out,
        compression,
        signal: ctx.signal,
        ...(archivePassword ? { encryption: { password: archivePassword } } : {}),
        ...(accounts ? { accounts } : {}),
        ...(domains ? { domains } : {}),
        ...(at !== undefined ? { at } : {}),
        ...(ctx.tty || toStdout ? { onProgress: progress(ctx) } : {}),
      });
      if (!toStdout) await rename(part, outPath);
      const summary = {
        out: outPath,
        bytes: r.bytes,
        durationMs: r.durationMs,
        at: r.manifest.at,
        accounts: r.manifest.accounts,
        blobs: r.manifest.blobs,
        directory: r.manifest.directory,
      };
      // With `--out -` stdout carries the archive: the result goes to stderr.
      const say = toStdout ? ctx.err : ctx.out;
      if (values['json']) say(JSON.stringify(summary));
      else
        say(
          `exported ${r.manifest.accounts.length} accounts, ${r.manifest.blobs.count} blobs (${(r.manifest.blobs.bytes / 1e6).toFixed(1)} MB) as at ${r.manifest.at}: ${(r.bytes / 1e6).toFixed(1)} MB written to ${toStdout ? 'stdout' : outPath} in ${(r.durationMs / 1000).toFixed(1)} s`,
        );
      return 0;
    } catch (err) {
      if (!toStdout) await rm(part, { force: true });
      throw err;
    }
  },
};
