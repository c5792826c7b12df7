import { access, constants } from 'node:fs/promises';
import type { Command } from '../command.js';
import { CONFIG_KEYS } from '../config/config-keys.js';
import { DEFAULT_CONFIG_PATH, parseConfig, type ConfigProblem } from '../config/config-file.js';
import { readFile } from 'node:fs/promises';

/** Keys naming files the service must be able to read. */
const FILE_KEYS = ['server.password-file', 'ldap.password-file', 'notify.smtp-password-file', 'server.ca-file'];

/** `zimbra-backup config check`: validates a configuration file; every problem names its key. */
export const configCheckCommand: Command = {
  name: 'config check',
  summary: 'validate a configuration file (TOML, or JSON by extension): types, units, schedules, readable files',
  usage: `zimbra-backup config check [--config FILE (default ${DEFAULT_CONFIG_PATH})] [--keys] [--json]`,
  options: { keys: { type: 'boolean' } },
  ownsConfig: true,
  async run(values, ctx) {
    if (values['keys'] === true) {
      for (const k of CONFIG_KEYS) ctx.out(`${k.key.padEnd(28)} --${k.flag.padEnd(28)} ${k.doc}`);
      return 0;
    }
    const file = typeof values['config'] === 'string' ? values['config'] : DEFAULT_CONFIG_PATH;
    const { commands } = await import('./index.js');
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (err) {
      return report(file, [{ key: '', message: `cannot read: ${(err as Error).message}` }], 0, values, ctx);
    }
    const { config, problems } = parseConfig(text, file, commands);
    for (const key of FILE_KEYS) {
      const path = config.keys.get(key);
      if (typeof path !== 'string') continue;
      await access(path, constants.R_OK).catch((err: NodeJS.ErrnoException) =>
        problems.push({ key, message: `cannot read ${path} (${err.code ?? err.message})` }),
      );
    }
    return report(file, problems, config.keys.size, values, ctx);
  },
};

function report(
  file: string,
  problems: ConfigProblem[],
  settings: number,
  values: Record<string, unknown>,
  ctx: Parameters<Command['run']>[1],
): number {
  if (values['json']) ctx.out(JSON.stringify({ file, ok: problems.length === 0, settings, problems }));
  else if (problems.length === 0) ctx.out(`${file}: ok (${settings} settings)`);
  else {
    for (const p of problems) ctx.err(`${file}: ${p.key || '(file)'}: ${p.message}`);
    ctx.err(`${file}: ${problems.length} problem${problems.length === 1 ? '' : 's'}`);
  }
  return problems.length === 0 ? 0 : 1;
}
