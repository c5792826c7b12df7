import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commands } from '../../../src/cli/commands/index.js';
import { configFlags, parseConfig, parseListen, parseSchedule } from '../../../src/cli/config/config-file.js';
import { nextRun } from '../../../src/daemon/schedule.js';
import { runMain as run } from '../../helpers/cli.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'zb-config-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const GOOD = `
repository = "/var/backups/zimbra"
compression = "zstd"

[server]
url = "https://mail.example.com:7071"
admin = "admin@example.com"
password-file = "/etc/zimbra-backup/admin.password"

[backup]
accounts = ["ana@example.com", "bob@example.com"]
concurrency = 4

[retention]
items = "30d"

[schedule]
purge = "daily 03:30+01:00"
smartscan = "every 24h"
check = "off"

[commands.restore]
to-account = "restored@example.com"
`;

function cmd(name: string) {
  const c = commands.find((x) => x.name === name);
  if (!c) throw new Error(name);
  return c;
}

describe('configuration file', () => {
  it('maps keys to the flags of each command through one table', () => {
    const { config, problems } = parseConfig(GOOD, 'config.toml', commands);
    expect(problems).toEqual([]);
    expect(configFlags(config, cmd('backup'))).toEqual({
      repo: '/var/backups/zimbra',
      compression: 'zstd',
      server: 'https://mail.example.com:7071',
      admin: 'admin@example.com',
      'password-file': '/etc/zimbra-backup/admin.password',
      accounts: ['ana@example.com', 'bob@example.com'],
      concurrency: '4',
    });
    // purge gets the repository and the retention, nothing of the server or the backup.
    expect(configFlags(config, cmd('purge'))).toEqual({ repo: '/var/backups/zimbra', retention: '30d' });
    // A [commands.<name>] table reaches any flag of that command only.
    expect(configFlags(config, cmd('restore'))['to-account']).toBe('restored@example.com');
    expect(configFlags(config, cmd('restore-item'))['to-account']).toBeUndefined();
  });

  it('reads JSON by extension', () => {
    const { config, problems } = parseConfig(
      JSON.stringify({ repository: '/r', retention: { items: '7d' } }),
      'c.json',
      commands,
    );
    expect(problems).toEqual([]);
    expect(configFlags(config, cmd('purge'))).toEqual({ repo: '/r', retention: '7d' });
  });

  it('reports every problem at once, each naming its key', () => {
    const bad = `
repository = 42
colour = "blue"
[server]
url = "https://x"
admn = "typo"
[backup]
concurrency = 0
[retention]
items = "30 parsecs"
[schedule]
purge = "daily 03:00"
check = "sometimes"
[metrics]
listen = "0.0.0.0:9464"
[log]
format = "xml"
[commands.restore]
nope = "x"
[commands.frobnicate]
x = 1
`;
    const { problems } = parseConfig(bad, 'c.toml', commands);
    const keys = problems.map((p) => p.key).sort();
    expect(keys).toEqual(
      [
        'repository',
        'colour',
        'server.admn',
        'backup.concurrency',
        'retention.items',
        'schedule.purge',
        'schedule.check',
        'metrics.listen',
        'log.format',
        'commands.restore.nope',
        'commands.frobnicate',
      ].sort(),
    );
    const msg = (k: string) => problems.find((p) => p.key === k)?.message;
    expect(msg('schedule.purge')).toMatch(/zone is required/);
    expect(msg('metrics.listen')).toMatch(/loopback/);
    expect(msg('server.admn')).toMatch(/unknown key .*admin/);
    expect(msg('log.format')).toMatch(/one of text, json; got "xml"/);
  });

  it('a TOML syntax error is one problem for the file', () => {
    const { problems } = parseConfig('repository = ', 'c.toml', commands);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ key: '', message: expect.stringMatching(/^not valid TOML/) });
  });

  it('a purge schedule needs a retention', () => {
    const { problems } = parseConfig('[schedule]\npurge = "every 1d"\n', 'c.toml', commands);
    expect(problems).toEqual([{ key: 'schedule.purge', message: 'a purge schedule needs retention.items' }]);
  });

  it('schedules: intervals and zoned daily times', () => {
    expect(parseSchedule('every 6h')).toEqual({ everyMs: 6 * 3_600_000 });
    expect(parseSchedule('off')).toBeUndefined();
    const daily = parseSchedule('daily 03:30+01:00');
    expect(daily).toEqual({ dailyAtUtcMinute: 150 });
    const t0 = Date.parse('2026-12-07T01:00:00Z');
    expect(new Date(nextRun(daily!, t0)).toISOString()).toBe('2026-12-07T02:30:00.000Z');
    expect(new Date(nextRun(daily!, Date.parse('2026-12-07T02:30:00Z'))).toISOString()).toBe(
      '2026-12-08T02:30:00.000Z',
    );
    expect(nextRun({ everyMs: 1000 }, 5)).toBe(1005);
    expect(() => parseSchedule('every 0')).toThrow(/at least 1s/);
    expect(parseListen('127.0.0.1:0')).toEqual({ host: '127.0.0.1', port: 0 });
    expect(parseListen('[::1]:9464')).toEqual({ host: '::1', port: 9464 });
  });

  it('CLI: flags come from --config, the command line wins, and config check names bad keys', async () => {
    const repo = join(dir, 'repo');
    const file = join(dir, 'c.toml');
    await writeFile(file, `repository = "${repo}"\n[retention]\nitems = "30d"\n`);
    // purge takes --repo and --retention from the file: it fails opening the missing repository.
    let r = await run(['purge', '--config', file]);
    expect(r.err).toMatch(/^ZB_NOT_A_REPOSITORY: /m);
    expect(r.err).not.toMatch(/--retention is required/);
    // The command line wins: a bad --retention given there is the error.
    r = await run(['purge', '--config', file, '--retention', 'soon']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--retention "soon": unknown format/);

    r = await run(['config', 'check', '--config', file]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/ok \(2 settings\)/);

    await writeFile(file, '[retention]\nitems = "30 parsecs"\n[server]\npassword-file = "/nonexistent/pw"\n');
    r = await run(['config', 'check', '--config', file]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/retention\.items: .*30d/);
    expect(r.err).toMatch(/server\.password-file: cannot read \/nonexistent\/pw \(ENOENT\)/);
    // Any command refuses to start on an invalid file, naming the key.
    r = await run(['purge', '--config', file]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/ZB_INVALID_ARGUMENT: configuration .* is invalid: retention\.items/);
  });

  it('the example configuration in examples/service is valid', async () => {
    const { readFile } = await import('node:fs/promises');
    const file = join(import.meta.dirname, '../../../examples/service/config.toml');
    const { config, problems } = parseConfig(await readFile(file, 'utf8'), file, commands);
    expect(problems).toEqual([]);
    expect(configFlags(config, cmd('run'))).toMatchObject({
      'schedule-purge': 'daily 03:00Z',
      retention: '30d',
      'metrics-listen': '127.0.0.1:9464',
      'check-repair': true,
    });
  });
});
