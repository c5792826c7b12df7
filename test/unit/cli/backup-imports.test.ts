// Issue 12, "commands load only what they use": the modules a `backup` run loads at start (the
// static imports reachable from its command module; `import type` is erased, `import()` is lazy).
// A no-change run needs neither the LDAP client nor the item download path nor real-time capture.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const SRC = resolve(dirname(fileURLToPath(import.meta.url)), '../../../src');
// Static value imports and re-exports; type-only ones are erased by the compiler.
const STATIC = /^(?:import|export)\s+(?!type\s)(?:[^;]*?\sfrom\s+)?'([^']+)';/gm;

function staticClosure(entry: string): { files: Set<string>; packages: Set<string> } {
  const files = new Set<string>();
  const packages = new Set<string>();
  const todo = [entry];
  while (todo.length > 0) {
    const file = todo.pop()!;
    if (files.has(file)) continue;
    files.add(file);
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(STATIC)) {
      const spec = m[1]!;
      if (!spec.startsWith('.')) {
        if (!spec.startsWith('node:')) packages.add(spec);
        continue;
      }
      const ts = join(dirname(file), spec).replace(/\.js$/, '.ts');
      if (existsSync(ts)) todo.push(ts);
    }
  }
  return { files, packages };
}

describe('the backup command at start', () => {
  const { files, packages } = staticClosure(join(SRC, 'cli/commands/backup.ts'));
  const rel = [...files].map((f) => f.slice(SRC.length + 1));

  it('loads no LDAP client, archive reader, S3 SDK or emulator', () => {
    expect([...packages].sort()).not.toEqual(
      expect.arrayContaining([expect.stringMatching(/^(ldapts|tar-stream|@aws-sdk\/.*|postal-mime|fast-xml-parser)$/)]),
    );
    expect(rel.filter((f) => f.startsWith('emulator/'))).toEqual([]);
  });

  it('loads neither the item download path nor real-time capture (loaded by a full run and by watch)', () => {
    for (const lazy of [
      'backup/account-backup.ts',
      'backup/item-fetch.ts',
      'backup/server-routing.ts',
      'sync/real-time-scanner.ts',
      'sync/scanner-fleet.ts',
      'directory/directory-dump.ts',
    ])
      expect(rel).not.toContain(lazy);
    // and the closure is what the run needs (a sanity check of the scan itself)
    expect(rel).toEqual(
      expect.arrayContaining(['backup/backup-engine.ts', 'backup/quick-check.ts', 'directory/dump-store.ts']),
    );
  });
});
