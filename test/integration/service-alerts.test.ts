/**
 * Alerts over real sockets: a webhook on a local HTTP server and e-mail through nodemailer to a
 * tiny SMTP server on 127.0.0.1 (written here: enough of RFC 5321 for one message).
 */
import { createServer as createHttpServer } from 'node:http';
import { createServer as createTcpServer, type AddressInfo, type Server } from 'node:net';
import { createTransport } from 'nodemailer';
import { afterEach, describe, expect, it } from 'vitest';
import { AlertMonitor, emailSink, webhookSink, type Alert } from '../../src/daemon/alerts.js';
import type { EngineStatus } from '../../src/backup/backup-engine.js';
import { createCliLogger } from '../../src/cli/log.js';

const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of closers.splice(0)) await c();
});

async function listen(server: Server | ReturnType<typeof createHttpServer>): Promise<number> {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  closers.push(() => new Promise((r) => server.close(() => r())));
  return (server.address() as AddressInfo).port;
}

/** A minimal SMTP server collecting messages. */
async function smtpServer(): Promise<{ port: number; messages: Array<{ from: string; to: string[]; data: string }> }> {
  const messages: Array<{ from: string; to: string[]; data: string }> = [];
  const server = createTcpServer((sock) => {
    sock.setEncoding('utf8');
    let buf = '';
    let inData = false;
    let cur = { from: '', to: [] as string[], data: '' };
    sock.write('220 localhost test SMTP\r\n');
    sock.on('data', (chunk: string) => {
      buf += chunk;
      for (;;) {
        if (inData) {
          const end = buf.indexOf('\r\n.\r\n');
          if (end < 0) return;
          cur.data = buf.slice(0, end);
          buf = buf.slice(end + 5);
          inData = false;
          messages.push(cur);
          cur = { from: '', to: [], data: '' };
          sock.write('250 OK queued\r\n');
          continue;
        }
        const nl = buf.indexOf('\r\n');
        if (nl < 0) return;
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 2);
        const verb = line.slice(0, 4).toUpperCase();
        if (verb === 'EHLO' || verb === 'HELO') sock.write('250 localhost\r\n');
        else if (verb === 'MAIL') {
          cur.from = /<(.*)>/.exec(line)?.[1] ?? '';
          sock.write('250 OK\r\n');
        } else if (verb === 'RCPT') {
          cur.to.push(/<(.*)>/.exec(line)?.[1] ?? '');
          sock.write('250 OK\r\n');
        } else if (verb === 'DATA') {
          inData = true;
          sock.write('354 go ahead\r\n');
        } else if (verb === 'QUIT') sock.end('221 bye\r\n');
        else sock.write('250 OK\r\n');
      }
    });
  });
  return { port: await listen(server), messages };
}

function status(lagMs: number): EngineStatus {
  return {
    running: true,
    waitSet: lagMs > 0 ? 'down' : 'up',
    accounts: [{ id: '11111111-1111-1111-1111-111111111111', name: 'ana@example.test', lagMs }],
    totals: {
      accounts: 0,
      itemsNew: 0,
      itemsChanged: 0,
      itemsDeleted: 0,
      bytesDownloaded: 0,
      bytesStored: 0,
      durationMs: 0,
      accountsDeleted: 0,
      failures: [],
      inactive: [],
    },
  };
}

describe('service alerts', () => {
  it('lag, check errors and a failed purge reach a webhook and an SMTP server', async () => {
    const posted: Alert[] = [];
    const http = createHttpServer((req, res) => {
      let body = '';
      req.on('data', (d: Buffer) => (body += d.toString()));
      req.on('end', () => {
        posted.push(JSON.parse(body) as Alert);
        res.writeHead(204).end();
      });
    });
    const webhookPort = await listen(http);
    const smtp = await smtpServer();
    const transport = createTransport({ url: `smtp://127.0.0.1:${smtp.port}`, ignoreTLS: true } as Parameters<
      typeof createTransport
    >[0]);
    const lines: string[] = [];
    const monitor = new AlertMonitor({
      lagThresholdMs: 60_000,
      webhook: webhookSink(`http://127.0.0.1:${webhookPort}/hook`),
      email: emailSink(transport, 'zb@example.test', ['ops@example.test']),
      logger: createCliLogger({ format: 'json', write: (l) => lines.push(l) }),
    });
    monitor.observeStatus(status(5_000));
    monitor.observeStatus(status(90_000)); // over the threshold: one alert
    monitor.observeStatus(status(120_000)); // still lagging: no second alert
    monitor.observeStatus(status(0)); // recovered
    monitor.observeTask({
      task: 'purge',
      ok: false,
      startedMs: 0,
      durationMs: 5,
      error: { code: 'ZB_JOURNAL_CORRUPT', message: 'purge refused: the journal of account x is damaged' },
    });
    monitor.observeTask({ task: 'purge', ok: true, startedMs: 0, durationMs: 5 });
    await monitor.flush();
    expect(posted.map((a) => a.kind)).toEqual(['lag', 'lag-recovered', 'task-failed']);
    expect(posted[0]?.data).toMatchObject({ account: 'ana@example.test', lagMs: 90_000, waitSet: 'down' });
    expect(posted[2]?.summary).toMatch(/scheduled purge failed: ZB_JOURNAL_CORRUPT/);
    expect(smtp.messages).toHaveLength(3);
    expect(smtp.messages[2]).toMatchObject({ from: 'zb@example.test', to: ['ops@example.test'] });
    expect(smtp.messages[2]?.data).toMatch(/Subject: zimbra-backup: scheduled purge failed/);
    // Every alert is logged as a JSON line too.
    const logged = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(logged.filter((l) => l['level'] === 'warn').map((l) => l['alert'])).toEqual([
      'lag',
      'lag-recovered',
      'task-failed',
    ]);
    transport.close();
  });

  it('a failed delivery is logged, not thrown', async () => {
    const http = createHttpServer((_req, res) => res.writeHead(500).end());
    const port = await listen(http);
    const lines: string[] = [];
    const monitor = new AlertMonitor({
      webhook: webhookSink(`http://127.0.0.1:${port}/`),
      logger: createCliLogger({ format: 'json', write: (l) => lines.push(l) }),
    });
    monitor.observeTask({
      task: 'check',
      ok: false,
      startedMs: 0,
      durationMs: 1,
      error: { code: 'ZB_TRANSPORT', message: 'x' },
    });
    await monitor.flush();
    const err = lines.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l['level'] === 'error');
    expect(err).toMatchObject({ msg: 'alert delivery failed', sink: 'webhook', error: 'webhook answered HTTP 500' });
  });
});
