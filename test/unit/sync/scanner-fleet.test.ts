/**
 * ScannerFleet against fake mailbox servers at the typed SOAP boundary (getAllServers,
 * forAdminServer, createWaitSet / waitSet / destroyWaitSet): which servers get a scanner, which
 * accounts go to which server's WaitSet, and a server that fails and comes back. Nothing here
 * depends on how long anything takes: every wait is for a state the fakes report.
 *
 * Zimbra: a WaitSet hears only the mailboxes of the server holding it (WaitSetAccount.java answers
 * WRONG_HOST_FOR_ACCOUNT for the others), hence one scanner per server of GetAllServers
 * (GetAllServers.java, `service=mailbox`); a sync token counts one mailbox's changes, so a moved
 * account is added to its new server's set without it (SomeAccountsWaitSet.java).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ZimbraBackupError } from '../../../src/errors.js';
import type { DirectoryObject } from '../../../src/soap/requests/directory.js';
import type { WaitSetAccountSpec } from '../../../src/soap/requests/wait-set-types.js';
import type { ZimbraClient } from '../../../src/soap/zimbra-client.js';
import { ScannerFleet, serverAdminUrl, type FleetAccount } from '../../../src/sync/scanner-fleet.js';

const aborted = (): Error => new ZimbraBackupError('aborted', { code: 'ZB_ABORTED' });
const refused = (): Error => new ZimbraBackupError('connect ECONNREFUSED', { code: 'ZB_TRANSPORT' });

/** One fake mailbox server: its WaitSets, their members, and a blocked poll it can answer. */
class FakeServer {
  up = true;
  readonly log: string[] = [];
  /** Members of the current WaitSet, with the token they were added with. */
  readonly members = new Map<string, string | undefined>();
  #n = 0;
  #current: string | undefined;
  #blocked: { resolve: (ids: string[]) => void; reject: (e: Error) => void } | undefined;

  constructor(readonly name: string) {}

  get polling(): boolean {
    return this.#blocked !== undefined;
  }

  /** Answers the blocked poll with signals for `ids`. */
  signal(...ids: string[]): void {
    const b = this.#blocked;
    if (!b) throw new Error(`${this.name} has no blocked poll`);
    this.#blocked = undefined;
    b.resolve(ids);
  }

  /** The server stops answering: the blocked poll and every later request fail. */
  down(): void {
    this.up = false;
    const b = this.#blocked;
    this.#blocked = undefined;
    b?.reject(refused());
  }

  readonly client = {
    createWaitSet: async (p: { allAccounts?: boolean }) => {
      if (!this.up) throw refused();
      this.#current = `${this.name}-ws${++this.#n}`;
      this.members.clear();
      this.log.push(`create ${this.#current}${p.allAccounts ? ' all' : ''}`);
      return { waitSetId: this.#current, sequence: '0' };
    },
    waitSet: (
      p: {
        waitSetId: string;
        sequence: string;
        block?: boolean;
        add?: WaitSetAccountSpec[];
        remove?: WaitSetAccountSpec[];
      },
      o: { signal: AbortSignal },
    ) => {
      if (!this.up) return Promise.reject(refused());
      for (const a of p.add ?? []) this.members.set(a.id!, a.token);
      for (const a of p.remove ?? []) this.members.delete(a.id!);
      const answer = (ids: string[]) => ({
        waitSetId: p.waitSetId,
        sequence: String(Number(p.sequence) + 1),
        canceled: false,
        signals: ids.map((id) => ({ id, changeId: undefined })),
        errors: [],
      });
      if (p.block === false) return Promise.resolve(answer([]));
      return new Promise((resolve, reject) => {
        const mine = { resolve: (ids: string[]) => resolve(answer(ids)), reject };
        this.#blocked = mine;
        o.signal.addEventListener('abort', () => {
          if (this.#blocked === mine) this.#blocked = undefined;
          reject(aborted());
        });
      });
    },
    destroyWaitSet: async (id: string) => {
      this.log.push(`destroy ${id}`);
    },
  };
}

/** The configured client and the servers of a fake cluster, by admin URL. */
function fakeCluster(names: string[]) {
  const byUrl = new Map<string, FakeServer>();
  const configured = new FakeServer('(configured)');
  const state = { names, listFails: false };
  const server = (name: string): DirectoryObject => ({
    id: `id-${name}`,
    name,
    // single-valued attributes are strings (readAttrs), as a real GetAllServers answer gives them
    attrs: { zimbraServiceHostname: `${name}.example.test`, zimbraAdminPort: '7071' },
  });
  const serverAt = (name: string): FakeServer => {
    const url = `https://${name}.example.test:7071`;
    let s = byUrl.get(url);
    if (!s) byUrl.set(url, (s = new FakeServer(name)));
    return s;
  };
  const client = {
    ...configured.client,
    adminUrl: new URL('https://mb1.example.test:7071/service/admin/soap'),
    getAllServers: async () => {
      if (state.listFails) throw refused();
      return state.names.map(server);
    },
    forAdminServer: (url: string) => {
      const name = /^https:\/\/([^.]+)\.example\.test:7071$/.exec(url)?.[1];
      if (!name) throw new Error(`no fake server at ${url}`);
      return serverAt(name).client;
    },
  } as unknown as ZimbraClient;
  return { client, configured, state, serverAt };
}

/**
 * Resolves once `cond()` holds. The fakes move by promises and the scanners' retry sleeps are a
 * few ms, so this only yields to them; the 30 s bound turns a hang into a named failure.
 */
async function until(cond: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`never happened: ${what}`);
    await new Promise((r) => setTimeout(r, 1));
  }
}

let fleet: ScannerFleet | undefined;
afterEach(async () => {
  await fleet?.close();
  fleet = undefined;
});

describe('serverAdminUrl', () => {
  it('builds the admin URL from the server entry (hostname and admin port) and the configured scheme', () => {
    const s = { id: 'x', name: 'mb2', attrs: { zimbraServiceHostname: 'mb2.example.test', zimbraAdminPort: '9071' } };
    expect(serverAdminUrl(s, new URL('https://mb1.example.test:7071'))).toBe('https://mb2.example.test:9071');
    expect(serverAdminUrl({ id: 'y', name: 'fe80::1', attrs: {} }, new URL('http://a:1'))).toBe(
      'http://[fe80::1]:7071',
    );
  });
});

describe('ScannerFleet', () => {
  it('starts a scanner per mailbox server, stops the one of a server that left, starts one for a new server', async () => {
    const c = fakeCluster(['mb1', 'mb2']);
    const [mb1, mb2, mb3] = [c.serverAt('mb1'), c.serverAt('mb2'), c.serverAt('mb3')];
    const resets: string[] = [];
    fleet = new ScannerFleet({ client: c.client, onChange: () => {}, onReset: (s, why) => resets.push(`${s}:${why}`) });
    await fleet.refresh();
    expect(fleet.servers).toEqual(['mb1', 'mb2']);
    await until(() => mb1.polling && mb2.polling, 'both servers polled');
    expect(resets.sort()).toEqual(['mb1:created', 'mb2:created']);
    expect(fleet.status().map((s) => [s.name, s.adminUrl, s.state, s.waitSet])).toEqual([
      ['mb1', 'https://mb1.example.test:7071', 'watching', 'all-accounts'],
      ['mb2', 'https://mb2.example.test:7071', 'watching', 'all-accounts'],
    ]);

    c.state.names = ['mb1', 'mb3'];
    await fleet.refresh();
    expect(fleet.servers).toEqual(['mb1', 'mb3']);
    expect(mb2.log).toEqual(['create mb2-ws1 all', 'destroy mb2-ws1']);
    await until(() => mb3.polling, 'the new server polled');
    // the server that stayed keeps its WaitSet
    expect(mb1.log).toEqual(['create mb1-ws1 all']);
    // the configured client itself is not used on a cluster
    expect(c.configured.log).toEqual([]);
  });

  it('a single server is watched through the configured client; the servers option keeps its own servers only', async () => {
    const c = fakeCluster(['mb1']);
    fleet = new ScannerFleet({ client: c.client, onChange: () => {} });
    await fleet.refresh();
    expect(fleet.servers).toEqual(['mb1']);
    await until(() => c.configured.polling, 'configured client polled');
    await fleet.close();

    const d = fakeCluster(['mb1', 'mb2', 'mb3']);
    fleet = new ScannerFleet({ client: d.client, onChange: () => {}, servers: ['MB2', 'mb3'] });
    await fleet.refresh();
    expect(fleet.servers).toEqual(['mb2', 'mb3']);
    expect(d.serverAt('mb1').log).toEqual([]);
  });

  it('without the server list, watches the configured server; later list failures leave the scanners running', async () => {
    const c = fakeCluster(['mb1', 'mb2']);
    c.state.listFails = true;
    fleet = new ScannerFleet({ client: c.client, onChange: () => {} });
    await fleet.refresh();
    expect(fleet.servers).toEqual(['(configured)']);
    c.state.listFails = false;
    await fleet.refresh();
    expect(fleet.servers).toEqual(['mb1', 'mb2']);
    expect(c.configured.log.filter((l) => l.startsWith('destroy'))).toHaveLength(1);
    c.state.listFails = true;
    await fleet.refresh();
    expect(fleet.servers).toEqual(['mb1', 'mb2']);
  });

  it('routes each account to the WaitSet of its home server; a moved account leaves its token and is polled once', async () => {
    const c = fakeCluster(['mb1', 'mb2']);
    const [mb1, mb2] = [c.serverAt('mb1'), c.serverAt('mb2')];
    let accounts: FleetAccount[] = [
      { id: 'a1', server: 'mb1', token: '10' },
      { id: 'a2', server: 'MB2', token: '20' },
      { id: 'a3', server: 'mb2' },
      { id: 'a4', server: 'mb9' },
    ];
    const changes: string[] = [];
    const polls: string[] = [];
    fleet = new ScannerFleet({
      client: c.client,
      accounts: () => accounts,
      onChange: (id, server) => changes.push(`${id}@${server}`),
      onPoll: (id, server) => polls.push(`${id}@${server}`),
      probeIntervalMs: 0,
    });
    await fleet.refresh();
    await until(() => mb1.polling && mb2.polling && mb2.members.size === 2, 'accounts added');
    expect([...mb1.members]).toEqual([['a1', '10']]);
    expect([...mb2.members].sort()).toEqual([
      ['a2', '20'],
      ['a3', undefined],
    ]);
    expect(fleet.status().map((s) => s.waitSet)).toEqual(['explicit', 'explicit']);
    // a signal is reported with the server whose WaitSet sent it
    mb2.signal('a3');
    await until(() => changes.length === 1, 'signal delivered');
    expect(changes).toEqual(['a3@mb2']);

    // a1 moves to mb2 (its token counted mb1's mailbox), a3 is deleted
    accounts = [
      { id: 'a1', server: 'mb2', token: '10' },
      { id: 'a2', server: 'mb2', token: '20' },
    ];
    await fleet.refresh();
    await until(() => mb1.members.size === 0 && mb2.members.has('a1') && !mb2.members.has('a3'), 'membership moved');
    expect([...mb2.members].sort()).toEqual([
      ['a1', undefined],
      ['a2', '20'],
    ]);
    expect(polls).toEqual(['a1@mb2']);
  });

  it('a server that goes down is reported failing while the others go on; back up, its WaitSet is recreated', async () => {
    const c = fakeCluster(['mb1', 'mb2']);
    const [mb1, mb2] = [c.serverAt('mb1'), c.serverAt('mb2')];
    const changes: string[] = [];
    const resets: string[] = [];
    fleet = new ScannerFleet({
      client: c.client,
      onChange: (id, server) => changes.push(`${id}@${server}`),
      onReset: (s, why) => resets.push(`${s}:${why}`),
      retryDelayMs: 1,
    });
    await fleet.refresh();
    await until(() => mb1.polling && mb2.polling, 'both polled');

    mb2.down();
    await until(() => fleet!.status().find((s) => s.name === 'mb2')!.state === 'failing', 'mb2 failing');
    const failing = fleet.status().find((s) => s.name === 'mb2')!;
    expect(failing.lastError).toContain('ECONNREFUSED');
    expect(fleet.status().find((s) => s.name === 'mb1')).toMatchObject({ state: 'watching' });
    mb1.signal('x1');
    await until(() => changes.includes('x1@mb1'), 'mb1 still delivers');

    mb2.up = true;
    await until(() => resets.includes('mb2:recreated'), 'mb2 WaitSet recreated');
    const back = fleet.status().find((s) => s.name === 'mb2')!;
    expect(back.state).toBe('watching');
    expect(back.lastError).toBeUndefined();
    await until(() => mb2.polling, 'mb2 polled again');
    mb2.signal('x2');
    await until(() => changes.includes('x2@mb2'), 'mb2 delivers again');
    expect(resets.filter((r) => r.startsWith('mb1'))).toEqual(['mb1:created']);
  });
});
