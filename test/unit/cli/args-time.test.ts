/**
 * Issue #15: a time without a zone means different instants on different machines (the same
 * restore wrote 102 items in one zone and 0 in another), so the CLI refuses it.
 */
import { describe, expect, it } from 'vitest';
import { optTime, parseZonedTime } from '../../../src/cli/args.js';

describe('zoned times', () => {
  it('accepts Z and numeric offsets, to the same instant', () => {
    const utc = Date.UTC(2026, 11, 7, 0, 25);
    expect(parseZonedTime('2026-12-07T00:25:00Z')).toBe(utc);
    expect(parseZonedTime('2026-12-07T00:25Z')).toBe(utc);
    expect(parseZonedTime('2026-12-07t00:25:00z')).toBe(utc);
    expect(parseZonedTime('2026-12-07T01:25:00+01:00')).toBe(utc);
    expect(parseZonedTime('2026-12-07T01:25:00+0100')).toBe(utc);
    expect(parseZonedTime('2026-12-06T19:25:00-05:00')).toBe(utc);
    expect(parseZonedTime('2026-12-07 00:25:00.250Z')).toBe(utc + 250);
  });

  it('refuses zone-less times and bare dates, naming the option and suggesting a zone', () => {
    for (const v of ['2026-12-07T00:25:00', '2026-12-07T00:25', '2026-12-07 00:25:00', '2026-12-07']) {
      let err: unknown;
      try {
        parseZonedTime(v, 'at');
      } catch (e) {
        err = e;
      }
      expect(err).toMatchObject({ code: 'ZB_INVALID_ARGUMENT', data: { field: 'at' } });
      expect((err as Error).message).toMatch(/^--at ".*" has no time zone.*Z \(UTC\) or an offset/);
    }
  });

  it('refuses other shapes, impossible dates and partial offsets', () => {
    for (const v of [
      'yesterday',
      '1796603100000',
      '2026-02-30T00:00:00Z',
      '2026-12-07T24:00:00Z',
      '2026-12-07T00:25:00+01',
      '2026-13-01T00:00:00Z',
    ])
      expect(() => parseZonedTime(v, 'from')).toThrow(/--from must be an ISO-8601 time with a zone/);
  });

  it('optTime reads the option and leaves an absent one undefined', () => {
    expect(optTime({ at: '2026-12-07T00:25:00Z' }, 'at')).toBe(Date.UTC(2026, 11, 7, 0, 25));
    expect(optTime({}, 'at')).toBeUndefined();
    expect(() => optTime({ to: '2026-12-07T00:25:00' }, 'to')).toThrow(/--to "2026-12-07T00:25:00" has no time zone/);
  });
});
