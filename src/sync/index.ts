/**
 * Change capture: {@link SyncCursor} (SyncRequest with a persisted, opaque token, paged on
 * `more`) and {@link RealTimeScanner} (an all-accounts admin WaitSet long-poll).
 * @module
 */
export { SyncCursor, type SyncCursorOptions, type ChangeBatch, type ItemRef, type DeletedRef } from './sync-cursor.js';
export { RealTimeScanner, type RealTimeScannerOptions, type RealTimeScannerStats } from './real-time-scanner.js';
export type { ServerCaptureStatus } from './scanner-fleet.js';
