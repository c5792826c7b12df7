/**
 * An in-process Zimbra Collaboration server for tests, benchmarks and demos: a mail port and an
 * admin port on 127.0.0.1 speaking Zimbra's real SOAP (JSON and SOAP 1.2 XML), REST and upload
 * wire formats, over an in-memory directory and mailboxes.
 *
 * How a request is served:
 * ```
 * body = read HTTP body
 * rule = faults.plan(SOAP name | URL)           // delay, 5xx, reset, truncate, fault, expired auth
 * if SOAP: format = body[0] == '{' ? JSON : XML  // the server decides from the body, not Content-Type
 *          ctx    = authToken (header or ZM_AUTH_TOKEN / ZM_ADMIN_AUTH_TOKEN cookie) + <account by>
 *          resp   = handler(request, ctx)        // one mailbox transaction = one change id
 *          write resp in the same format; a fault is HTTP 500 in Zimbra's exact shape
 * if REST: /service/home/<~|name>/?id=N[&fmt=sync|tgz] -> raw bytes + X-Zimbra-* headers
 * if upload: /service/upload?fmt=raw -> 200,'<reqId>','<serverId>:<uuid>'
 * ```
 * Every mailbox keeps one change counter; items carry `ms` (last change), `rev` (last content
 * save), change date and date; deletes become tombstones once the mailbox has been synced;
 * `expireTombstones()` plays the purge so older tokens get `mail.MUST_RESYNC`.
 *
 * Failure modes it reproduces: SOAP faults (`mail.NO_SUCH_ITEM`, `service.AUTH_EXPIRED`,
 * `admin.NO_SUCH_WAITSET`...), malformed sync tokens, expired uploads, and injected transport
 * faults. Differences from a real server are listed in docs (mime parts, search grammar).
 *
 * @example
 * ```ts
 * import { startEmulator } from 'zimbra-backup/emulator';
 * const emu = await startEmulator();
 * const user = emu.createAccount('ann@example.test', 'secret');
 * emu.deliver(user.name, 'Subject: hi\r\n\r\nhello\r\n', { flags: 'u' });
 * // ... point a client at emu.url / emu.adminUrl (emu.adminUser, emu.adminPassword)
 * await emu.close();
 * ```
 * @packageDocumentation
 */
export { startEmulator, Emulator } from './emulator.js';
export type { EmulatorOptions, DeliverOptions, NamedId, EmulatorServerInfo } from './emulator.js';
export type { FaultRule, FaultPlan } from './http/fault-injector.js';
export { FaultInjector } from './http/fault-injector.js';
export { DosFilter, type DosFilterOptions } from './http/dos-filter.js';
export { EmulatorStats } from './http/server.js';
export type { MailboxSnapshot, SnapshotFolder, SnapshotItem } from './snapshot.js';
export type { WaitSetTimeoutClamp } from './model/waitsets.js';
export type { FolderRef } from './model/folder-ops.js';
export type { ItemType } from './model/item.js';
export type { PurgeResult } from './model/purge.js';
export type {
  Corpus,
  CorpusAccount,
  CorpusAttachment,
  CorpusMessage,
  CorpusContact,
  CorpusCalendarItem,
  CorpusDocument,
} from './seed/corpus-types.js';
export {
  buildCorpus,
  corpusStats,
  measureCorpus,
  writeCorpusAsFiles,
  corpusEpoch,
  SpamAssassinSource,
  defaultSpamAssassinDir,
  type BuildCorpusOptions,
  type BuiltCorpus,
  type CorpusStats,
  type RealMessageSource,
  type WriteCorpusAsFilesOptions,
  type WriteCorpusAsFilesResult,
  type MeasureCorpusOptions,
} from './seed/index.js';
