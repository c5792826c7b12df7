/**
 * Issue #15: `purge --retention 1m` meant one minute (the user meant a month) and a bare number
 * meant days. One parser, explicit units, ambiguity refused.
 */
import { describe, expect, it } from 'vitest';
import { optDuration, parseDuration } from '../../../src/cli/args.js';

describe('parseDuration', () => {
  it('reads whole numbers with s, sec, min, h, d, w (any case), and 0/forever', () => {
    expect(parseDuration('45s')).toBe(45_000);
    expect(parseDuration('10sec')).toBe(10_000);
    expect(parseDuration('90min')).toBe(90 * 60_000);
    expect(parseDuration('12h')).toBe(12 * 3_600_000);
    expect(parseDuration('30d')).toBe(30 * 86_400_000);
    expect(parseDuration('30D')).toBe(30 * 86_400_000);
    expect(parseDuration('2w')).toBe(14 * 86_400_000);
    expect(parseDuration(' 7 d ')).toBe(7 * 86_400_000);
    expect(parseDuration('0')).toBe(0);
    expect(parseDuration('forever')).toBe(0);
  });

  it('refuses m (minutes or months?) with a suggestion', () => {
    for (const v of ['1m', '1M', '3mo', '2mon'])
      expect(() => parseDuration(v, 'retention')).toThrow(
        /^--retention ".*": ".*" is ambiguous \(minutes or months\?\)/,
      );
    expect(() => parseDuration('1m', 'retention')).toThrow(/write 1min, or days such as 30d/);
  });

  it('refuses bare numbers, fractions, unknown units and junk, naming the option', () => {
    expect(() => parseDuration('30', 'retention')).toThrow(/^--retention "30": a number needs a unit/);
    for (const v of ['1.5h', '-1d', '3y', 'soon', '', 'd', '1d2h'])
      expect(() => parseDuration(v, 'x')).toThrow(
        expect.objectContaining({ code: 'ZB_INVALID_ARGUMENT', data: expect.objectContaining({ field: 'x' }) }),
      );
  });

  it('optDuration leaves an absent option undefined', () => {
    expect(optDuration({}, 'max-downtime')).toBeUndefined();
    expect(optDuration({ 'max-downtime': '5min' }, 'max-downtime')).toBe(300_000);
  });
});
