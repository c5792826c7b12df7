/**
 * Qualified item ids (`<accountId>:<n>`), read in one place.
 *
 * When the auth token's account differs from the mailbox acted on (an admin with an `<account>`
 * context header), Zimbra formats item ids against the token's account, so they come back as
 * `<targetZimbraId>:<n>` (store/src/java/com/zimbra/cs/service/util/ItemIdFormatter.java,
 * common/src/java/com/zimbra/common/mailbox/ItemIdentifier.java `toString(authAccountId)`).
 * The client asks for bare ids with `<noqualify/>` (store/src/java/com/zimbra/soap/ZimbraSoapContext.java),
 * but some handlers ignore it: ItemActionHelper builds its formatter with `noqualify=false`
 * (store/src/java/com/zimbra/cs/service/mail/ItemActionHelper.java), so ItemActionResponse ids
 * stay qualified. Every on-behalf response therefore passes through {@link unqualifyItemIds}
 * before any parser sees it: an id qualified with the target account is made bare, one qualified
 * with any other account is refused with a {@link QualifiedIdMismatchError} (a backup must never
 * file another mailbox's item under this one).
 *
 * Only the attributes ToXML.java formats through ItemIdFormatter are read; id lists (`ids="…"`,
 * `<deleted ids>`) are always bare in Zimbra (Sync.java, GetMsgMetadata.java) and contact-group
 * member values (`<m value>`) may legitimately name other mailboxes, so both are left alone.
 * @module
 */
import { ZimbraBackupError } from '../errors.js';
import type { SoapElement } from './element.js';

/**
 * Attributes that carry an item id formatted by ItemIdFormatter (ToXML.java, SetCalendarItem.java):
 * item and folder ids, conversation ids, calendar item/invite ids.
 */
export const ITEM_ID_ATTRIBUTES: ReadonlySet<string> = new Set([
  'id',
  'l',
  'cid',
  'calItemId',
  'apptId',
  'invId',
  'ciFolder',
  'origid',
]);

/** Subtrees that hold user data keyed by arbitrary names (contact fields), never ids. */
const SKIP_KEYS = new Set(['_attrs', '_content', '_jsns']);

// ItemIdentifier: "<account>:<id>[-<subpart>]"; the id may be negative (virtual conversation).
const QUALIFIED = /^([^:,\s]+):(-?\d+(?:-\d+)?)$/;

/** A response named an item in a mailbox other than the one the request acted on. */
export class QualifiedIdMismatchError extends ZimbraBackupError {
  override name = 'QualifiedIdMismatchError';
  /** The account the request targeted. */
  readonly expectedAccountId: string;
  /** The account the response's id named. */
  readonly actualAccountId: string;

  constructor(expected: string, actual: string, attribute: string, request: string | undefined) {
    super(
      `${request ?? 'response'}: item id in attribute "${attribute}" belongs to account ${actual}, not to the target account ${expected}`,
      { code: 'ZB_PROTOCOL', data: { expectedAccountId: expected, actualAccountId: actual, attribute, request } },
    );
    this.expectedAccountId = expected;
    this.actualAccountId = actual;
  }
}

/**
 * Parses one id as ItemIdentifier does: `{ accountId, id }` where `id` is the bare local part
 * (`257`, `-258`, `257-258`) and `accountId` is `undefined` for a bare id.
 */
export function parseItemId(value: string): { accountId: string | undefined; id: string } {
  const m = QUALIFIED.exec(value);
  return m ? { accountId: m[1], id: m[2] as string } : { accountId: undefined, id: value };
}

/** True when `el` (or anything under it) holds an id qualified with some account. */
export function hasQualifiedIds(el: SoapElement): boolean {
  let found = false;
  walk(el, (_k, v) => {
    if (v.split(',').some((p) => QUALIFIED.test(p.trim()))) found = true;
    return v;
  });
  return found;
}

/**
 * Rewrites, in place, every qualified id of `el` to its bare form when it names
 * `targetAccountId` (compared case-insensitively, as ItemId.equals does), and throws
 * {@link QualifiedIdMismatchError} when it names another account. Comma lists
 * (ItemActionResponse `id="a:1,a:2"`) are handled part by part.
 */
export function unqualifyItemIds(el: SoapElement, targetAccountId: string, request?: string): SoapElement {
  const target = targetAccountId.toLowerCase();
  walk(el, (key, value) => {
    if (!value.includes(':')) return value;
    return value
      .split(',')
      .map((part) => {
        const { accountId, id } = parseItemId(part.trim());
        if (accountId === undefined) return part;
        if (accountId.toLowerCase() !== target)
          throw new QualifiedIdMismatchError(targetAccountId, accountId, key, request);
        return id;
      })
      .join(',');
  });
  return el;
}

function walk(el: SoapElement, visit: (key: string, value: string) => string): void {
  for (const [key, value] of Object.entries(el)) {
    if (SKIP_KEYS.has(key) || value === undefined || value === null) continue;
    if (typeof value === 'string') {
      if (ITEM_ID_ATTRIBUTES.has(key)) el[key] = visit(key, value);
    } else if (Array.isArray(value)) {
      for (const c of value) if (typeof c === 'object' && c !== null) walk(c as SoapElement, visit);
    } else if (typeof value === 'object') walk(value as SoapElement, visit);
  }
}
