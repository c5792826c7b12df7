/**
 * The deterministic seed corpus: what the emulator, the benchmarks and the file baselines are filled with.
 *
 * ```
 * buildCorpus({ seed, accounts: N, messagesPerAccount: M, ... })
 *   o      = defaults + validation                       (ZB_INVALID_ARGUMENT)
 *   source = realMessages ?? SpamAssassin dataset ?? none (file list only; corpusSource says which)
 *   epoch  = a day in 2025 chosen by hash(seed)           (never the wall clock)
 *   lists  = all-staff + up to 3 team lists; posts allocated until each account holds round(listShare*M)
 *            list deliveries: one shared content (same bytes, same sharedId) per post
 *   for each account a, message j until M:  rng = sfc32(hash(seed, a, j))
 *     with attachments (attachmentShare)   -> composed plan (nodemailer, pinned ids/date/boundary)
 *     else real source ? dataset index     : composed plan without attachments
 *     folder, flags (s a r w f u), tags, received date in [epoch-90d, epoch]
 *   contacts, calendar (VEVENT/VTODO, TZID, RRULE, EXDATE, RECURRENCE-ID), documents from their own streams
 * message.raw() -> Received: trace field + dataset file (mbox From_ line dropped) | compose; size memoised
 *                  (the trace makes each delivery's bytes distinct: only list posts share bytes)
 * ```
 *
 * Failure modes: a missing dataset only switches to composed messages; composing without nodemailer installed
 * fails in `raw()` with `ZB_UNSUPPORTED`; a dataset file removed after the build fails in `raw()` with
 * `ZB_NOT_FOUND`. Bytes depend only on the options (and the nodemailer and dataset versions).
 * @module
 */
export { buildCorpus, corpusEpoch, type BuiltCorpus } from './build-corpus.js';
export type { BuildCorpusOptions } from './build-options.js';
export { corpusStats, measureCorpus, type CorpusStats, type MeasureCorpusOptions } from './corpus-stats.js';
export {
  writeCorpusAsFiles,
  safePathSegment,
  type WriteCorpusAsFilesOptions,
  type WriteCorpusAsFilesResult,
} from './write-corpus-as-files.js';
export { SpamAssassinSource, defaultSpamAssassinDir, type RealMessageSource } from './spam-assassin.js';
export { attachmentBytes, type AttachmentKind } from './attachment-bytes.js';
export { Rng, hash32 } from './prng.js';
export type {
  Corpus,
  CorpusAccount,
  CorpusAttachment,
  CorpusCalendarItem,
  CorpusContact,
  CorpusDocument,
  CorpusMessage,
} from './corpus-types.js';
