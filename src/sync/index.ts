/**
 * Change capture: {@link SyncCursor} (SyncRequest with a persisted, opaque token, paged on
 * `more`), {@link RealTimeScanner} (an admin WaitSet long-poll on one mailbox server) and
 * {@link ScannerFleet} (one scanner per mailbox server of a cluster).
 * @module
 */
export { SyncCursor, type SyncCursorOptions, type ChangeBatch, type ItemRef, type DeletedRef } from './sync-cursor.js';
export { RealTimeScanner, type RealTimeScannerOptions, type RealTimeScannerStats } from './real-time-scanner.js';
export { ScannerFleet, serverAdminUrl, type ScannerFleetOptions, type ServerCaptureStatus } from './scanner-fleet.js';
