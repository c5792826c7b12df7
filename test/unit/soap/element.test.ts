import { describe, expect, it } from 'vitest';
import {
  asArray,
  attrBool,
  attrIdList,
  attrNum,
  attrStr,
  children,
  readAttrs,
  toAttrList,
} from '../../../src/soap/element.js';

describe('element readers', () => {
  it('asArray normalises one, many and none', () => {
    expect(asArray(undefined)).toEqual([]);
    expect(asArray(null)).toEqual([]);
    expect(asArray({ a: 1 })).toEqual([{ a: 1 }]);
    expect(asArray([1, 2])).toEqual([1, 2]);
  });

  it('children accepts an object or an array', () => {
    expect(children({ m: { id: '1' } }, 'm')).toEqual([{ id: '1' }]);
    expect(children({ m: [{ id: '1' }, { id: '2' }] }, 'm')).toHaveLength(2);
    expect(children({ m: 'x' }, 'm')).toEqual([]);
  });

  it('attrStr reads numbers, strings and child text (content disposition)', () => {
    expect(attrStr({ token: 403 }, 'token')).toBe('403');
    expect(attrStr({ token: '403' }, 'token')).toBe('403');
    expect(attrStr({ su: [{ _content: 'Hi' }] }, 'su')).toBe('Hi');
    expect(attrStr({ su: { _content: 'Hi' } }, 'su')).toBe('Hi');
    expect(attrStr({}, 'su')).toBeUndefined();
  });

  it('attrNum and attrBool coerce JSON and XML forms', () => {
    expect(attrNum({ ms: '12' }, 'ms')).toBe(12);
    expect(attrNum({ ms: 12 }, 'ms')).toBe(12);
    expect(attrNum({ ms: 'x' }, 'ms')).toBeUndefined();
    expect(attrNum({ ms: '' }, 'ms')).toBeUndefined();
    expect(attrBool({ more: true }, 'more')).toBe(true);
    expect(attrBool({ more: '1' }, 'more')).toBe(true);
    expect(attrBool({ more: '0' }, 'more')).toBe(false);
    expect(attrBool({ more: 'TRUE' }, 'more')).toBe(true);
    expect(attrBool({}, 'more')).toBeUndefined();
  });

  it('attrIdList splits comma lists', () => {
    expect(attrIdList({ ids: '1, 2,,3' }, 'ids')).toEqual(['1', '2', '3']);
    expect(attrIdList({ ids: '' }, 'ids')).toEqual([]);
  });

  it('readAttrs merges _attrs and a[] and keeps multi-values', () => {
    expect(readAttrs({ _attrs: { email: ['a', 'b'], n: 1 } })).toEqual({ email: ['a', 'b'], n: '1' });
    expect(
      readAttrs({
        a: [
          { n: 'x', _content: '1' },
          { n: 'x', _content: '2' },
          { n: 'y', _content: 'z' },
          { n: 'secret', pd: '1' },
        ],
      }),
    ).toEqual({ x: ['1', '2'], y: 'z' });
  });

  it('toAttrList repeats multi-valued names', () => {
    expect(toAttrList({ a: ['1', '2'], b: 'x' })).toEqual([
      { n: 'a', _content: '1' },
      { n: 'a', _content: '2' },
      { n: 'b', _content: 'x' },
    ]);
  });
});
