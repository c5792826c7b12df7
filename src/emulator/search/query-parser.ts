/**
 * The mail search language, after Zimbra's grammar (`index/query/parser/Parser.jjt`): terms,
 * `field:value` clauses, quoted strings, `{...}` braced item lists, `AND`/`&&`, `OR`/`||`,
 * `NOT`/`!`/`-` and `+` modifiers, parentheses, and `sortby:`. Juxtaposed clauses are ANDed, and
 * AND binds tighter than OR (`ZimbraQuery.ParseTree.build`). A field's value may itself be a
 * parenthesised list (`from:(ann or bob)`), which distributes the field over its members.
 */
import { SoapFault } from '../wire/soap-fault.js';

/** A parsed query. */
export type QueryNode =
  | { kind: 'and' | 'or'; items: QueryNode[] }
  | { kind: 'not'; item: QueryNode }
  /** `field` is lower case without the colon; undefined for a bare word (the content field). */
  | { kind: 'term'; field: string | undefined; value: string; quoted: boolean };

/** The result of parsing: the tree and a `sortby:` found inside the query, if any. */
export interface ParsedQuery {
  root: QueryNode;
  sortBy: string | undefined;
}

/** The fields of the grammar (text and date fields), lower case. */
export const KNOWN_FIELDS: ReadonlySet<string> = new Set(
  (
    'content subject msgid envto envfrom contact to from cc tofrom tocc fromcc tofromcc in under filename tag ' +
    'message my author title keywords company metadata date mdate day week month year after before appt-start ' +
    'appt-end conv-start conv-end size bigger larger smaller conv conv-count conv-minm conv-maxm modseq priority ' +
    'is inid underid has type attachment item sortby sort'
  ).split(' '),
);

type Token =
  | { t: '(' | ')' | 'and' | 'or' | 'not' | 'plus' | 'eof'; pos: number }
  | { t: 'field'; name: string; pos: number }
  | { t: 'term'; value: string; quoted: boolean; pos: number };

/** `mail.QUERY_PARSE_ERROR` as `MailServiceException.QUERY_PARSE_ERROR` builds it. */
export function queryParseError(query: string, token: string, col: number, why: string): SoapFault {
  return new SoapFault('mail.QUERY_PARSE_ERROR', `Couldn't parse query: ${query}`, true, [
    { n: 'curTok', t: 'STR', value: token },
    { n: 'colNo', t: 'NUM', value: String(col) },
    { n: 'parserErr', t: 'STR', value: why },
  ]);
}

const TERM_STOP = /[\s(){}":]/;

/** Splits a query into tokens; after a field, operators words are plain values (the TEXT state). */
export function tokenize(query: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  let afterField = false;
  while (i < query.length) {
    const c = query[i]!;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    const pos = i;
    if (c === '(' || c === ')') {
      out.push({ t: c, pos });
      i++;
      afterField = false;
      continue;
    }
    if (c === '"') {
      let j = i + 1;
      let value = '';
      while (j < query.length && query[j] !== '"') {
        if (query[j] === '\\' && query[j + 1] === '"') {
          value += '"';
          j += 2;
        } else value += query[j++];
      }
      if (j >= query.length) throw queryParseError(query, query.slice(i), i, 'unterminated quoted string');
      out.push({ t: 'term', value, quoted: true, pos });
      i = j + 1;
      afterField = false;
      continue;
    }
    if (c === '{') {
      const j = query.indexOf('}', i);
      if (j < 0) throw queryParseError(query, query.slice(i), i, 'unterminated braced term');
      out.push({ t: 'term', value: query.slice(i + 1, j), quoted: false, pos });
      i = j + 1;
      afterField = false;
      continue;
    }
    if (!afterField && (c === '-' || c === '+' || c === '!')) {
      out.push({ t: c === '+' ? 'plus' : 'not', pos });
      i++;
      continue;
    }
    let j = i;
    while (j < query.length && !TERM_STOP.test(query[j]!)) j++;
    const word = query.slice(i, j);
    if (query[j] === ':' && !afterField) {
      const name = word.toLowerCase();
      if (!KNOWN_FIELDS.has(name) && !name.startsWith('#') && !/^field(\[[^\]]+\])?$/.test(name))
        throw queryParseError(query, `${word}:`, i, `unknown field: ${word}`);
      out.push({ t: 'field', name, pos });
      i = j + 1;
      afterField = true;
      continue;
    }
    if (word === '') throw queryParseError(query, c, i, `unexpected character: ${c}`);
    const lower = word.toLowerCase();
    if (!afterField && (lower === 'and' || word === '&&')) out.push({ t: 'and', pos });
    else if (!afterField && (lower === 'or' || word === '||')) out.push({ t: 'or', pos });
    else if (!afterField && lower === 'not') out.push({ t: 'not', pos });
    else out.push({ t: 'term', value: word, quoted: false, pos });
    i = j;
    afterField = false;
  }
  out.push({ t: 'eof', pos: query.length });
  return out;
}

/** Parses a query string into a tree (`mail.QUERY_PARSE_ERROR` on bad syntax or an unknown field). */
export function parseQuery(query: string): ParsedQuery {
  if (query.trim() === '') throw queryParseError(query, '', 0, 'Empty query string not allowed');
  const toks = tokenize(query);
  let k = 0;
  let sortBy: string | undefined;
  const peek = (): Token => toks[k]!;
  const fail = (why: string): never => {
    const tok = peek();
    throw queryParseError(query, query.slice(tok.pos).split(/\s/)[0] ?? '', tok.pos, why);
  };

  /** A sequence of clauses with optional conjunctions; AND groups split at OR. */
  const sequence = (clause: () => QueryNode | undefined, inParens: boolean): QueryNode => {
    const groups: QueryNode[][] = [[]];
    let expectClause = true;
    for (;;) {
      const tok = peek();
      if (tok.t === 'eof' || tok.t === ')') break;
      if (tok.t === 'and' || tok.t === 'or') {
        if (expectClause) fail(`unexpected ${tok.t.toUpperCase()}`);
        k++;
        if (tok.t === 'or') groups.push([]);
        expectClause = true;
        continue;
      }
      const c = clause();
      if (c) groups[groups.length - 1]!.push(c);
      expectClause = false;
    }
    if (inParens ? peek().t !== ')' : peek().t !== 'eof') fail(inParens ? 'missing )' : 'unexpected )');
    if (expectClause && groups.some((g) => g.length > 0)) fail('query ends with a conjunction');
    const ands = groups.map((g): QueryNode => (g.length === 1 ? g[0]! : { kind: 'and', items: g }));
    if (ands.some((a) => a.kind === 'and' && a.items.length === 0)) fail('empty clause');
    return ands.length === 1 ? ands[0]! : { kind: 'or', items: ands };
  };

  const modifier = (): boolean => {
    let negate = false;
    while (peek().t === 'not' || peek().t === 'plus') {
      if (peek().t === 'not') negate = !negate;
      k++;
    }
    return negate;
  };

  /** A field's value: a term, or a parenthesised list of terms with the same field. */
  const fieldValue = (field: string): QueryNode => {
    const negate = modifier();
    const tok = peek();
    let node: QueryNode;
    if (tok.t === '(') {
      k++;
      node = sequence(() => fieldValue(field), true);
      k++;
    } else if (tok.t === 'term') {
      k++;
      node = { kind: 'term', field, value: tok.value, quoted: tok.quoted };
    } else return fail(`missing value for ${field}:`);
    return negate ? { kind: 'not', item: node } : node;
  };

  const clause = (): QueryNode | undefined => {
    const negate = modifier();
    const tok = peek();
    let node: QueryNode;
    if (tok.t === '(') {
      k++;
      node = sequence(clause, true);
      k++;
    } else if (tok.t === 'field') {
      k++;
      if (tok.name === 'sortby' || tok.name === 'sort') {
        const v = peek();
        if (v.t !== 'term') return fail('missing sort order');
        k++;
        sortBy = v.value;
        return undefined;
      }
      node = fieldValue(tok.name);
    } else if (tok.t === 'term') {
      k++;
      node = { kind: 'term', field: undefined, value: tok.value, quoted: tok.quoted };
    } else return fail('expected a term');
    return negate ? { kind: 'not', item: node } : node;
  };

  const root = sequence(clause, false);
  if (root.kind === 'and' && root.items.length === 0) fail('query has only a sort order');
  return { root, sortBy };
}
