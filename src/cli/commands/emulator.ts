import { startEmulator } from '../../emulator/index.js';
import { buildCorpus } from '../../emulator/seed/index.js';
import { optInt, optString } from '../args.js';
import type { Command } from '../command.js';

/** `zimbra-backup emulator`: a Zimbra-compatible server on 127.0.0.1 for tests, demos and benchmarks. */
export const emulatorCommand: Command = {
  name: 'emulator',
  summary: 'start a Zimbra-compatible server (mail + admin ports) on 127.0.0.1 and print one JSON ready line',
  usage:
    'zimbra-backup emulator [--port P] [--admin-port P] [--servers N] [--domain D] [--seed-accounts N] [--seed-messages M] [--seed S]',
  options: {
    port: { type: 'string' },
    'admin-port': { type: 'string' },
    servers: { type: 'string' },
    domain: { type: 'string' },
    'seed-accounts': { type: 'string' },
    'seed-messages': { type: 'string' },
    seed: { type: 'string' },
  },
  async run(values, ctx) {
    const domain = optString(values, 'domain') ?? 'example.test';
    const emulator = await startEmulator({
      port: optInt(values, 'port') ?? 0,
      adminPort: optInt(values, 'admin-port') ?? 0,
      servers: optInt(values, 'servers') ?? 1,
      domain,
    });
    try {
      const accounts = optInt(values, 'seed-accounts') ?? 0;
      if (accounts > 0) {
        const corpus = buildCorpus({
          seed: optInt(values, 'seed') ?? 1,
          accounts,
          messagesPerAccount: optInt(values, 'seed-messages') ?? 20,
          domain,
        });
        await emulator.seed(corpus);
      }
      // The one ready line scripts wait for; the admin password is the emulator's own throwaway.
      ctx.out(
        JSON.stringify({
          url: emulator.url,
          adminUrl: emulator.adminUrl,
          adminUser: emulator.adminUser,
          adminPassword: emulator.adminPassword,
          accounts: emulator.accounts().map((a) => a.name),
          servers: emulator.servers().map((s) => ({ name: s.name, url: s.url, adminUrl: s.adminUrl })),
        }),
      );
      await new Promise<void>((resolve) => {
        if (ctx.signal.aborted) resolve();
        ctx.signal.addEventListener('abort', () => resolve(), { once: true });
      });
      return 0;
    } finally {
      await emulator.close();
    }
  },
};
