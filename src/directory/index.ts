/**
 * Directory dump: the Zimbra LDAP tree (global config, servers, COS, domains, accounts, calendar
 * resources, distribution lists, dynamic groups, aliases) as LDIF, and back.
 *
 * ```
 * bind(bindDN, password)                      // wrong password: ZB_LDAP, resultCode 49
 * classes = objectClasses of the subschema    // a negated undefined class would match nothing
 * structure = search(base, not-a-leaf)        // config, servers, COS, domains, containers: buffered
 * yield structure sorted by depth             // parents first; orphans held back
 * for pass in accounts, DLs, groups, aliases, their children:
 *   for page in searchPaginated(base, pass)   // RFC 2696 paging, pageSize entries at a time
 *     yield entries                           // binary attributes as Buffers
 * yield held-back entries
 * LDIF writer: no version line (slapadd refuses one), base64 for unsafe values, folded at 76 columns, gzip
 * ```
 *
 * Failure modes: bind or search errors become `ZB_LDAP` with the ldapts error as `cause` (the
 * password never appears); an abort closes the connection (`ZB_ABORTED`); `saveDirectoryDump`
 * stores nothing unless the whole dump succeeded. LDAP has no snapshot reads: an entry changed
 * during a dump may appear in its old or new state, and one added or moved during it may be
 * missing or land before its parent (a later dump picks it up).
 * @packageDocumentation
 */
export {
  dumpDirectory,
  LdapError,
  DEFAULT_OPERATIONAL_ATTRIBUTES,
  type DirectoryDumpOptions,
} from './directory-dump.js';
export {
  writeDirectoryDump,
  writeDirectoryLdif,
  readDirectoryDump,
  summarizeDirectoryEntries,
  type DirectoryDumpSummary,
  type DirectoryDumpResult,
  type WriteDirectoryDumpOptions,
  type WriteDirectoryLdifOptions,
} from './directory-dump-io.js';
export {
  saveDirectoryDump,
  storeDirectoryEntries,
  type SaveDirectoryDumpOptions,
  type StoreDirectoryEntriesOptions,
  type StoredDirectoryDump,
} from './dump-store.js';
export { DumpDigest, dumpDigestOf, DUMP_DIGEST_LABEL } from './dump-digest.js';
export {
  classifyEntry,
  getAttributeValues,
  isBinaryAttribute,
  normalizeValue,
  domainOf,
  entryAddress,
  BINARY_ATTRIBUTES,
  DIRECTORY_ENTRY_KINDS,
  type DirectoryEntry,
  type DirectoryEntryKind,
  type DirectoryValue,
  type LdifRecord,
} from './directory-entry.js';
export {
  formatLdifRecord,
  formatLdifComment,
  foldLdifLine,
  isSafeString,
  parseLdif,
  LDIF_LINE_WIDTH,
  type FormatLdifOptions,
  type ParseLdifOptions,
} from './ldif.js';
export {
  captureDirectory,
  type CaptureDirectoryOptions,
  type DirectoryCapture,
  type LdapDirectoryCapture,
  type SoapDirectoryCapture,
} from './capture-directory.js';
export {
  soapDirectoryEntries,
  saveDirectoryEntries,
  SOAP_DIRECTORY_WARNING,
  type DirectorySnapshotResult,
} from './directory-snapshot.js';
export {
  restoreDirectory,
  type RestoreDirectoryOptions,
  type RestoreDirectoryResult,
  type DirectoryObjectKind,
  type DirectoryObjectOutcome,
} from './restore-directory.js';
export { findDirectoryDump } from './directory-source.js';
export { copyableAccountAttrs, SERVER_OWNED_ACCOUNT_ATTRS } from './account-attributes.js';
export { type ProvisionOutcome, type ProvisionKind, type ProvisionClaims } from './provision.js';
