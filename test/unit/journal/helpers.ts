import type { ItemKind, ItemRecord, JournalRecordInput } from '../../../src/journal/index.js';

/** A deterministic clock the test advances by hand. */
export class TestClock {
  constructor(public now = 1_700_000_000_000) {}
  readonly read = (): number => this.now;
  advance(ms: number): number {
    this.now += ms;
    return this.now;
  }
}

/** Hex sha256-shaped digest derived from a number (tests only need the shape). */
export function digestOf(n: number): string {
  return n.toString(16).padStart(64, '0');
}

type ItemInput = Omit<ItemRecord, 'captureMs'>;

/** A message upsert. */
export function message(id: string, ms: number, extra: Partial<ItemInput> = {}): JournalRecordInput {
  return {
    type: 'item',
    kind: 'message',
    id,
    folderId: '2',
    modifiedSequence: ms,
    changeMs: ms * 1000,
    size: 100 + ms,
    digest: digestOf(Number(id) * 1000 + ms),
    ...extra,
  };
}

/** A folder upsert. */
export function folder(
  id: string,
  parent: string,
  name: string,
  ms: number,
  kind: ItemKind = 'folder',
): JournalRecordInput {
  return { type: 'item', kind, id, folderId: parent, name, modifiedSequence: ms, meta: { view: 'message' } };
}

/** A delete. */
export function del(id: string, ms?: number, kind?: ItemKind): JournalRecordInput {
  const r: JournalRecordInput = { type: 'delete', id, changeMs: 1_700_000_000_000 };
  if (ms !== undefined) r.modifiedSequence = ms;
  if (kind !== undefined) r.kind = kind;
  return r;
}

/** The folder tree every mailbox starts with. */
export function baseFolders(): JournalRecordInput[] {
  return [folder('1', '11', 'USER_ROOT', 1), folder('2', '1', 'Inbox', 1), folder('5', '1', 'Sent', 1)];
}
