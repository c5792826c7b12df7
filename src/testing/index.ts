/**
 * Test support for code built on zimbra-backup, exported as `zimbra-backup/testing`: an in-memory
 * backend, a fault-injecting backend wrapper, and the backend conformance suite third-party
 * {@link StorageBackend} implementations can run (restic `backend/test`).
 *
 * ```
 * backend = new FaultyBackend(new MemoryBackend(), { put: { afterBytes: 1000 } })
 * run code under test against backend
 * backend.expectAllFaultsExercised()      // the fault really fired
 * ```
 * @packageDocumentation
 */
export { MemoryBackend, type MemoryBackendOptions } from '../store/backends/memory.js';
export { FaultyBackend, type Fault, type FaultMethod, type FaultScript } from './faulty-backend.js';
export {
  defineBackendConformance,
  type BackendFactory,
  type ConformanceOptions,
  type ConformanceRunner,
} from './backend-conformance.js';
export type {
  StorageBackend,
  ReplayableBody,
  IoOptions,
  ObjectInfo,
  BackendProperties,
} from '../store/backends/backend.js';
