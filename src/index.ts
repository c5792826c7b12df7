/**
 * zimbra-backup: continuous, deduplicated, point-in-time backup for Zimbra Collaboration
 * (open source edition). This entry point only re-exports the public primitives.
 * @packageDocumentation
 */
export * from './errors.js';
