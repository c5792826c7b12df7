import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { createConsoleServer } from '../../console/server.js';
import { parseListen } from '../../console/security/listen.js';
import { ZimbraBackupError } from '../../errors.js';
import { optList, optString } from '../args.js';
import type { Command } from '../command.js';
import { repositoryFromArgs } from '../connect.js';

async function readPem(path: string, flag: string): Promise<Buffer> {
  return readFile(path).catch((cause: unknown) => {
    throw new ZimbraBackupError(`cannot read --${flag} ${path}`, { code: 'ZB_INVALID_ARGUMENT', cause });
  });
}

/** `zimbra-backup serve`: the web console. */
export const serveCommand: Command = {
  name: 'serve',
  summary: 'the web console: browse the backup at any instant, undelete, restore, export, check, purge from a browser',
  usage:
    'zimbra-backup serve --repo R [--server ADMIN_URL [--mail-url URL] [--ca-file F] [--insecure]] [--listen 127.0.0.1:8080] ' +
    '[--tls-cert F --tls-key F | --insecure-http [--allowed-host NAME:PORT]] [--files-dir D] [--json]\n' +
    '  With --server, administrators log in with their Zimbra admin account (checked by the server);\n' +
    '  without it, with a token printed at start, and restores are unavailable.',
  options: {
    repo: { type: 'string' },
    'repo-password-file': { type: 'string' },
    server: { type: 'string' },
    'mail-url': { type: 'string' },
    'ca-file': { type: 'string' },
    insecure: { type: 'boolean' },
    listen: { type: 'string' },
    'tls-cert': { type: 'string' },
    'tls-key': { type: 'string' },
    'insecure-http': { type: 'boolean' },
    'files-dir': { type: 'string' },
    'allowed-host': { type: 'string', multiple: true },
  },
  async run(values, ctx) {
    const listen = parseListen(optString(values, 'listen') ?? '127.0.0.1:8080');
    const certFile = optString(values, 'tls-cert');
    const keyFile = optString(values, 'tls-key');
    if ((certFile === undefined) !== (keyFile === undefined))
      throw new ZimbraBackupError('--tls-cert and --tls-key go together', { code: 'ZB_INVALID_ARGUMENT' });
    const repository = await repositoryFromArgs(values, ctx);
    const server = optString(values, 'server');
    const caFile = optString(values, 'ca-file');
    const filesDir = optString(values, 'files-dir');
    const tls =
      certFile && keyFile
        ? { cert: await readPem(certFile, 'tls-cert'), key: await readPem(keyFile, 'tls-key') }
        : undefined;
    const consoleServer = await createConsoleServer({
      repository,
      host: listen.host,
      port: listen.port,
      insecureHttp: values['insecure-http'] === true,
      ...(optList(values, 'allowed-host') ? { allowedHosts: optList(values, 'allowed-host') } : {}),
      ...(tls ? { tls } : {}),
      ...(filesDir ? { filesRoot: resolve(filesDir) } : {}),
      ...(server
        ? {
            server: {
              adminUrl: server,
              ...(optString(values, 'mail-url') ? { mailUrl: optString(values, 'mail-url') as string } : {}),
              ...(caFile || values['insecure']
                ? {
                    tls: {
                      ...(caFile ? { ca: await readPem(caFile, 'ca-file') } : {}),
                      ...(values['insecure'] ? { insecure: true } : {}),
                    },
                  }
                : {}),
            },
          }
        : {}),
    });
    try {
      if (values['json']) ctx.out(JSON.stringify({ url: consoleServer.url, login: server ? 'zimbra-admin' : 'token' }));
      else ctx.err(`console: ${consoleServer.url} (Ctrl-C to stop)`);
      // Shown once, on the operator's terminal only; never logged, never in a URL.
      if (consoleServer.loginToken)
        ctx.err(`login token (valid until the console stops): ${consoleServer.loginToken.reveal()}`);
      await new Promise<void>((done) => {
        if (ctx.signal.aborted) done();
        ctx.signal.addEventListener('abort', () => done(), { once: true });
      });
      return 0;
    } finally {
      await consoleServer.close();
    }
  },
};
