import { describe, expect, it } from 'vitest';
import { parseItemRef, safeItemId, safeSegment, safeZimbraId } from '../../../src/internal/safe-id.js';

const ID = '6b0b2c8e-3f1a-4c2d-9e8f-0123456789ab';
const hostile = [
  '',
  '..',
  '../x',
  '/etc/passwd',
  'a/b',
  'a\\b',
  'a\0b',
  `${ID}/..`,
  `${ID}\0`,
  `..${ID}`,
  ' ',
  '%2e%2e',
  'x'.repeat(10_000),
  '\u202e',
  'C:\\x',
];

describe('safe ids', () => {
  it('accepts Zimbra account ids and lower-cases them', () => {
    expect(safeZimbraId(ID)).toBe(ID);
    expect(safeZimbraId(ID.toUpperCase())).toBe(ID);
  });
  it.each(hostile)('rejects hostile account id %j', (bad) => {
    expect(() => safeZimbraId(bad)).toThrow(expect.objectContaining({ code: 'ZB_UNSAFE_PATH' }));
  });
  it('accepts item ids 1..2^31-1 in plain decimal only', () => {
    expect(safeItemId('257')).toBe('257');
    expect(safeItemId(2147483647)).toBe('2147483647');
    for (const bad of ['0', '007', '-1', '2147483648', '1e3', '12a', '1.5', ...hostile]) {
      expect(() => safeItemId(bad)).toThrow(expect.objectContaining({ code: 'ZB_UNSAFE_PATH' }));
    }
  });
  it('parses accountId:itemId refs, validating both parts', () => {
    expect(parseItemRef('257')).toEqual({ itemId: '257' });
    expect(parseItemRef(`${ID}:300`)).toEqual({ accountId: ID, itemId: '300' });
    for (const bad of [`${ID}:`, `:1`, `${ID}:1:2`, `../x:1`, `${ID}:../1`]) {
      expect(() => parseItemRef(bad)).toThrow(expect.objectContaining({ code: 'ZB_UNSAFE_PATH' }));
    }
  });
  it('bounds error messages for huge hostile input', () => {
    try {
      safeSegment('/'.repeat(100_000));
      expect.unreachable();
    } catch (err) {
      expect((err as Error).message.length).toBeLessThan(200);
    }
  });
});
