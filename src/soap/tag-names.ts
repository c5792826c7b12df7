/**
 * Tag-name lists as Zimbra writes and reads them (store/src/java/com/zimbra/cs/mailbox/util/TagUtil.java):
 * `tn` joins names with `,` after escaping `\` as `\\` and `,` as `\,` (`encodeTags`), and reading
 * splits on unescaped commas, trims and drops empty names (`decodeTags`). A tag named `a,b` is
 * therefore one tag, not two.
 * @module
 */

/** TagUtil.encodeTags: escape `\` and `,`, join with `,`. */
export function encodeTagNames(names: readonly string[]): string {
  return names.map((n) => n.replace(/\\/g, '\\\\').replace(/,/g, '\\,')).join(',');
}

/** TagUtil.decodeTags: split on unescaped `,`, unescape, trim, drop empty names. */
export function decodeTagNames(encoded: string | undefined): string[] {
  if (encoded === undefined || encoded === '') return [];
  const out: string[] = [];
  let cur = '';
  let escaped = false;
  for (const c of encoded) {
    if (escaped) {
      cur += c;
      escaped = false;
    } else if (c === '\\') escaped = true;
    else if (c === ',') {
      if (cur.trim() !== '') out.push(cur.trim());
      cur = '';
    } else cur += c;
  }
  if (cur.trim() !== '') out.push(cur.trim());
  return out;
}
