/**
 * zimbra-backup: continuous, deduplicated, point-in-time backup for Zimbra Collaboration
 * (open source edition). This entry point only re-exports the public primitives; the emulator,
 * the S3 backend and the test helpers are the subpaths `zimbra-backup/emulator`,
 * `zimbra-backup/s3` and `zimbra-backup/testing`.
 * @packageDocumentation
 */
export * from './errors.js';
export { Secret, toSecret } from './internal/secret.js';
export type { Logger } from './internal/logger.js';
export * from './soap/index.js';
export * from './rest/index.js';
export * from './store/index.js';
export * from './repository/index.js';
export * from './journal/index.js';
export * from './directory/index.js';
export * from './sync/index.js';
export * from './backup/index.js';
export * from './catalog/index.js';
export * from './restore/index.js';
export * from './maintenance/index.js';
export * from './export/index.js';
export * from './import/index.js';
