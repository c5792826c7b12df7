/**
 * Change capture: {@link SyncCursor} (SyncRequest with a persisted, opaque token, paged on
 * `more`), {@link RealTimeScanner} (an admin WaitSet long-poll on one mailbox server) and
 * {@link ScannerFleet} (one scanner per mailbox server of a cluster).
 * @module
 */
export {
  SyncCursor,
  type SyncCursorOptions,
  type ChangeBatch,
  type ItemRef,
  type DeletedRef,
  type DeltaRequest,
  type ReceivedPage,
} from './sync-cursor.js';
export {
  RealTimeScanner,
  DEFAULT_MAX_EXPLICIT_ACCOUNTS,
  type RealTimeScannerOptions,
  type RealTimeScannerStats,
} from './real-time-scanner.js';
export {
  ScannerFleet,
  serverAdminUrl,
  type ScannerFleetOptions,
  type ServerCaptureStatus,
  type FleetAccount,
} from './scanner-fleet.js';
export { DeafDetector, type DeafDetectorOptions, type DeafState } from './deaf-detector.js';
export {
  WaitSetMembership,
  MEMBERSHIP_CHUNK,
  type WatchedAccount,
  type MembershipBatch,
} from './waitset-membership.js';
