/**
 * Vitest entry of the backend conformance suite (the real suite lives in
 * src/testing/backend-conformance.ts so `zimbra-backup/testing` can ship it to third parties).
 */
import { describe, it } from 'vitest';
import {
  defineBackendConformance,
  type BackendFactory,
  type ConformanceOptions,
} from '../../src/testing/backend-conformance.js';

export type { BackendFactory, ConformanceOptions };

/** Runs the conformance suite for one backend under vitest. */
export function runBackendConformance(name: string, factory: BackendFactory, options?: ConformanceOptions): void {
  defineBackendConformance({ describe, it }, name, factory, options);
}
