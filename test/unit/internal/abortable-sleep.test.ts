import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { abortableSleep } from '../../../src/internal/abortable-sleep.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));

describe('abortableSleep', () => {
  it('keeps a process alive while it waits (a retry backoff is work in progress)', async () => {
    // With nothing else pending, an unref'd timer let node exit before the sleep ended.
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        '--input-type=module',
        '-e',
        "const m = await import('./src/internal/abortable-sleep.ts'); await m.abortableSleep(300); process.stdout.write('slept');",
      ],
      { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect(out).toBe('slept');
    expect(code).toBe(0);
  }, 30_000);

  it('rejects ZB_ABORTED as soon as a signal aborts, and at once when already aborted', async () => {
    const ac = new AbortController();
    const t0 = Date.now();
    const p = abortableSleep(10_000, undefined, ac.signal);
    setTimeout(() => ac.abort(), 20);
    await expect(p).rejects.toMatchObject({ code: 'ZB_ABORTED' });
    expect(Date.now() - t0).toBeLessThan(5000);
    await expect(abortableSleep(10, ac.signal)).rejects.toMatchObject({ code: 'ZB_ABORTED' });
  });
});
