/**
 * A small LDAP filter evaluator (RFC 4515 subset: `&`, `|`, `!`, `=`, presence `=*`,
 * substrings with `*`) for SearchDirectoryRequest's `query` over the directory's attribute maps.
 */
import { faults } from '../wire/soap-fault.js';

type Filter =
  | { op: 'and' | 'or'; list: Filter[] }
  | { op: 'not'; f: Filter }
  | { op: 'eq'; attr: string; pattern: RegExp | undefined };

/** Compiles a filter; an empty query matches everything. `service.INVALID_REQUEST` on syntax errors. */
export function compileFilter(query: string | undefined): (attrs: Record<string, string[]>) => boolean {
  const q = (query ?? '').trim();
  if (q === '') return () => true;
  const text = q.startsWith('(') ? q : `(${q})`;
  let pos = 0;
  const parse = (): Filter => {
    if (text[pos] !== '(') throw faults.invalidRequest(`invalid LDAP filter: ${query ?? ''}`);
    pos++;
    const c = text[pos];
    let f: Filter;
    if (c === '&' || c === '|') {
      pos++;
      const list: Filter[] = [];
      while (text[pos] === '(') list.push(parse());
      f = { op: c === '&' ? 'and' : 'or', list };
    } else if (c === '!') {
      pos++;
      f = { op: 'not', f: parse() };
    } else {
      const end = text.indexOf(')', pos);
      if (end < 0) throw faults.invalidRequest(`invalid LDAP filter: ${query ?? ''}`);
      const item = text.slice(pos, end);
      const eq = item.indexOf('=');
      if (eq <= 0) throw faults.invalidRequest(`invalid LDAP filter: ${query ?? ''}`);
      const attr = item
        .slice(0, eq)
        .replace(/[~<>]$/, '')
        .toLowerCase();
      const value = item.slice(eq + 1);
      const pattern =
        value === '*'
          ? undefined
          : new RegExp(
              '^' +
                value
                  .split('*')
                  .map((s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
                  .join('.*') +
                '$',
              'i',
            );
      f = { op: 'eq', attr, pattern };
      pos = end;
    }
    if (text[pos] !== ')') throw faults.invalidRequest(`invalid LDAP filter: ${query ?? ''}`);
    pos++;
    return f;
  };
  const root = parse();
  const test = (f: Filter, attrs: Record<string, string[]>): boolean => {
    switch (f.op) {
      case 'and':
        return f.list.every((x) => test(x, attrs));
      case 'or':
        return f.list.some((x) => test(x, attrs));
      case 'not':
        return !test(f.f, attrs);
      case 'eq': {
        const key = Object.keys(attrs).find((k) => k.toLowerCase() === f.attr);
        const values = key ? (attrs[key] ?? []) : [];
        if (!f.pattern) return values.length > 0;
        return values.some((v) => f.pattern!.test(v));
      }
    }
  };
  return (attrs) => test(root, attrs);
}
