/**
 * The benchmark's corpus, emulator and client. One deterministic corpus per mode: SpamAssassin messages plus
 * composed ones with 100 KB-5 MB attachments, a share of mailing-list posts delivered to many accounts.
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  buildCorpus,
  startEmulator,
  type BuildCorpusOptions,
  type BuiltCorpus,
  type Emulator,
} from '../../src/emulator/index.js';
import { initRepository, type Repository } from '../../src/repository/repository.js';
import { ZimbraClient } from '../../src/soap/zimbra-client.js';
import { LocalBackend } from '../../src/store/backends/local.js';

/** The benchmark's size knobs. */
export interface BenchMode {
  name: 'quick' | 'full';
  corpus: BuildCorpusOptions;
  /** Changes injected in the real-time scenario, and their rate per second. */
  latencyChanges: number;
  latencyRate: number;
  /** Messages deleted then undeleted in the restore scenario. */
  undeleteItems: number;
  /** Single-item restore samples. */
  singleSamples: number;
  /** Item counts of the memory scenario. */
  memoryItems: number[];
  /** The physical limit of scenario 1 is measured on every n-th blob (a rate; 1 = all). */
  limitSampleEvery: number;
  /** Accounts of the compression `none` initial backup (a rate; the gzip one always takes every account). */
  noneAccounts: number;
}

/** Both modes. Sizes of attachments are the 100 KB-5 MB in both. */
export const MODES: Record<'quick' | 'full', BenchMode> = {
  quick: {
    name: 'quick',
    corpus: {
      seed: 20261126,
      accounts: 5,
      messagesPerAccount: 1000,
      attachmentShare: 0.004,
      attachmentSizes: { min: 100_000, max: 5_000_000 },
      listShare: 0.2,
    },
    latencyChanges: 100,
    latencyRate: 20,
    undeleteItems: 200,
    singleSamples: 10,
    memoryItems: [1000, 5000],
    limitSampleEvery: 3,
    noneAccounts: 2,
  },
  full: {
    name: 'full',
    corpus: {
      seed: 20261126,
      accounts: 10,
      messagesPerAccount: 5000,
      attachmentShare: 0.005,
      attachmentSizes: { min: 100_000, max: 5_000_000 },
      listShare: 0.2,
    },
    latencyChanges: 200,
    latencyRate: 20,
    undeleteItems: 1000,
    singleSamples: 20,
    memoryItems: [1000, 10_000, 50_000],
    limitSampleEvery: 1,
    noneAccounts: 10,
  },
};

/** A seeded emulator with an admin client. */
export interface BenchServer {
  emu: Emulator;
  client: ZimbraClient;
  corpus: BuiltCorpus;
  /** Account names of the corpus. */
  accounts: string[];
}

/** Starts the emulator, builds the corpus and seeds it. */
export async function startBenchServer(mode: BenchMode): Promise<BenchServer & { buildMs: number; seedMs: number }> {
  const t0 = performance.now();
  const corpus = buildCorpus(mode.corpus);
  const t1 = performance.now();
  const emu = await startEmulator({ domain: mode.corpus.domain ?? 'example.test', logger: false });
  await emu.seed(corpus);
  const seedMs = performance.now() - t1;
  const client = new ZimbraClient({ url: emu.url, adminUrl: emu.adminUrl });
  await client.authAdmin(emu.adminUser, emu.adminPassword);
  return { emu, client, corpus, accounts: corpus.accounts.map((a) => a.name), buildMs: t1 - t0, seedMs };
}

/** What the bench reads of an emulator item (the content bytes a backup must store). */
interface EmulatorItemView {
  type: string;
  id: number;
  folderId: number;
  blob: Buffer | undefined;
  size: number;
}
interface EmulatorInternals {
  state: { directory: { account(name: string): { mailbox: { items: Map<number, EmulatorItemView> } } } };
}

/**
 * The items of an account as the emulator holds them. The bench reads the emulator's model directly (a
 * private field) so the physical-limit baselines hash and write exactly the bytes the backup received.
 */
export function emulatorItems(emu: Emulator, account: string): EmulatorItemView[] {
  return [...(emu as unknown as EmulatorInternals).state.directory.account(account).mailbox.items.values()];
}

/** Every content blob (messages, documents, calendar items) of the accounts. */
export function contentBlobs(emu: Emulator, accounts: string[]): Buffer[] {
  const out: Buffer[] = [];
  for (const a of accounts) for (const it of emulatorItems(emu, a)) if (it.blob) out.push(it.blob);
  return out;
}

/** A new LocalBackend repository (fsync on, as in production) in a fresh directory under `parent`. */
export async function newRepository(
  parent: string,
  name: string,
  compression: 'none' | 'gzip',
): Promise<{ repository: Repository; root: string }> {
  const root = await mkdtemp(join(parent, `${name}-`));
  const repository = await initRepository({ backend: new LocalBackend({ root }), compression });
  return { repository, root };
}

/** A fresh scratch directory for one run. */
export function scratchDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'zb-bench-'));
}
