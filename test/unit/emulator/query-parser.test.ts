// The search language grammar of store/src/java/com/zimbra/cs/index/query/parser/Parser.jjt and
// the AND-over-OR grouping of ZimbraQuery.ParseTree.build (store/src/java/com/zimbra/cs/index/ZimbraQuery.java).
import { describe, expect, it } from 'vitest';
import { parseQuery, tokenize, type QueryNode } from '../../../src/emulator/search/query-parser.js';
import { dateRange } from '../../../src/emulator/search/query-eval.js';
import type { Mailbox } from '../../../src/emulator/model/mailbox.js';

/** A compact printout of a tree: and(...), or(...), !x, field:value. */
function show(n: QueryNode): string {
  switch (n.kind) {
    case 'and':
    case 'or':
      return `${n.kind}(${n.items.map(show).join(' ')})`;
    case 'not':
      return `!${show(n.item)}`;
    case 'term':
      return `${n.field ?? ''}${n.field ? ':' : ''}${n.quoted ? `"${n.value}"` : n.value}`;
  }
}
const p = (q: string): string => show(parseQuery(q).root);

describe('search query parser', () => {
  it('tokenizes fields, quoted strings with escapes, braces and operators', () => {
    const toks = tokenize('from:ann "say \\"hi\\"" item:{1,2} -x && y');
    expect(toks.map((t) => t.t)).toEqual([
      'field',
      'term',
      'term',
      'field',
      'term',
      'not',
      'term',
      'and',
      'term',
      'eof',
    ]);
    expect(toks[2]).toMatchObject({ value: 'say "hi"', quoted: true });
    expect(toks[4]).toMatchObject({ value: '1,2' });
  });

  it('ANDs juxtaposed clauses and binds AND tighter than OR', () => {
    expect(p('a b')).toBe('and(a b)');
    expect(p('a b OR c')).toBe('or(and(a b) c)');
    expect(p('a or b and c')).toBe('or(a and(b c))');
    expect(p('a || b && c')).toBe('or(a and(b c))');
  });

  it('parses NOT, -, !, + and parentheses', () => {
    expect(p('not a')).toBe('!a');
    expect(p('-from:x in:inbox')).toBe('and(!from:x in:inbox)');
    expect(p('!(a or b) c')).toBe('and(!or(a b) c)');
    expect(p('+a')).toBe('a');
    expect(p('(a (b or c))')).toBe('and(a or(b c))');
  });

  it('keeps field names lower case, distributes a field over a parenthesised list', () => {
    expect(p('FROM:Ann')).toBe('from:Ann');
    expect(p('from:(ann or bob)')).toBe('or(from:ann from:bob)');
    expect(p('subject:"two words"')).toBe('subject:"two words"');
    expect(p('in:"Sent Items" is:unread')).toBe('and(in:"Sent Items" is:unread)');
  });

  it('treats operator words after a field as values and a dash inside a word as part of it', () => {
    expect(p('subject:and')).toBe('subject:and');
    expect(p('before:-7d e-mail')).toBe('and(before:-7d e-mail)');
  });

  it('takes sortby: out of the tree', () => {
    const q = parseQuery('sortby:dateAsc in:inbox');
    expect(q.sortBy).toBe('dateAsc');
    expect(show(q.root)).toBe('in:inbox');
  });

  // MailServiceException.QUERY_PARSE_ERROR (store/src/java/com/zimbra/cs/mailbox/MailServiceException.java)
  it('refuses bad syntax and unknown fields with mail.QUERY_PARSE_ERROR', () => {
    for (const bad of ['', '(a', 'a)', 'a or', 'or a', 'nosuchfield:x', '"open', 'from:']) {
      let err: unknown;
      try {
        parseQuery(bad);
      } catch (e) {
        err = e;
      }
      expect(err, bad).toMatchObject({ code: 'mail.QUERY_PARSE_ERROR' });
      expect((err as { reason: string }).reason).toBe(`Couldn't parse query: ${bad}`);
    }
  });
});

// store/src/java/com/zimbra/cs/index/query/DateQuery.java (numeric, relative and locale short dates)
describe('date terms', () => {
  const ctx = { mbox: {} as Mailbox, query: 'q', now: Date.UTC(2024, 5, 15, 12), timeZone: 'UTC' };
  it('reads epoch ms, M/d/yyyy in the account zone, and relative days', () => {
    expect(dateRange('1700000000000', ctx)).toEqual([1700000000000, 1700000001000]);
    expect(dateRange('1/31/2024', ctx)).toEqual([Date.UTC(2024, 0, 31), Date.UTC(2024, 1, 1)]);
    expect(dateRange('1/31/2024', { ...ctx, timeZone: 'Europe/Berlin' })).toEqual([
      Date.UTC(2024, 0, 30, 23),
      Date.UTC(2024, 0, 31, 23),
    ]);
    expect(dateRange('-1d', ctx)).toEqual([Date.UTC(2024, 5, 14), Date.UTC(2024, 5, 15)]);
    expect(() => dateRange('2024-01-31T00:00', ctx)).toThrow(/Couldn't parse query/);
  });
});
