import { describe, expect, it } from 'vitest';
import { refreshIntervalOf } from '../../../src/cli/commands/run.js';

describe('--refresh-interval', () => {
  it('takes a duration with a unit, at least one second', () => {
    expect(refreshIntervalOf({})).toBeUndefined();
    expect(refreshIntervalOf({ 'refresh-interval': '1s' })).toBe(1000);
    expect(refreshIntervalOf({ 'refresh-interval': '5min' })).toBe(300_000);
  });

  it('refuses 0 (an engine that never lists again never hands a moved account over) and bare numbers', () => {
    expect(() => refreshIntervalOf({ 'refresh-interval': '0' })).toThrow(/at least 1s/);
    expect(() => refreshIntervalOf({ 'refresh-interval': '30' })).toThrow(/needs a unit/);
    expect(() => refreshIntervalOf({ 'refresh-interval': '5m' })).toThrow(/ambiguous/);
  });
});
