/**
 * The directory part of a backup, and the choice of where it is read from: over LDAP when LDAP
 * credentials are given (complete, password hashes included), otherwise through admin SOAP with
 * {@link SOAP_DIRECTORY_WARNING} (no `userPassword`; restores then generate passwords). The
 * result is one LDIF object `directory/<yyyymmddThhmmssZ>.ldif.gz` in the repository, or none when
 * the directory holds the same content as the newest dump (dump-store.ts).
 *
 * ```text
 * capture = { source: 'ldap', url, bindDN, password }  -> saveDirectoryDump (spooled, stored whole unless unchanged)
 *         | { source: 'soap' }                         -> soapDirectoryEntries -> same LDIF, + warning
 * ```
 * Failure modes: an LDAP bind or search failure is `ZB_LDAP` (the password never appears) and
 * nothing is stored; a SOAP failure is the client's typed error; an abort is `ZB_ABORTED`.
 * @module
 */
import { directoryDumpKey } from '../repository/layout.js';
import type { ZimbraClient } from '../soap/zimbra-client.js';
import type { StorageBackend } from '../store/backends/backend.js';
import type { DirectoryDumpOptions } from './directory-dump.js';
import { saveDirectoryDump } from './dump-store.js';
import {
  SOAP_DIRECTORY_WARNING,
  saveDirectoryEntries,
  soapDirectoryEntries,
  type DirectorySnapshotResult,
} from './directory-snapshot.js';

/** Read the directory over LDAP (the complete dump). */
export interface LdapDirectoryCapture extends Omit<DirectoryDumpOptions, 'signal' | 'onProgress'> {
  source: 'ldap';
}

/** Read the directory through admin SOAP (no password hashes; the result carries a warning). */
export interface SoapDirectoryCapture {
  source: 'soap';
}

/** Where a backup reads the directory from. */
export type DirectoryCapture = LdapDirectoryCapture | SoapDirectoryCapture;

/** Options of {@link captureDirectory}. */
export interface CaptureDirectoryOptions {
  /** LDAP or SOAP. */
  capture: DirectoryCapture;
  /** An admin client (the SOAP source reads through it). */
  client: ZimbraClient;
  /** Repository storage the LDIF is written to. */
  backend: StorageBackend;
  /** When the dump is taken (names the object). Default: now. */
  at?: Date;
  /**
   * Store a new dump even when the newest one holds the same content. Default false: an
   * unchanged directory writes nothing (the result says `unchanged`, its key the newest dump's).
   */
  always?: boolean;
  signal?: AbortSignal;
}

/**
 * Saves one directory snapshot into the repository, from the source `capture` names.
 * @throws `ZB_LDAP` (LDAP source), the client's errors (SOAP source), `ZB_ABORTED`, `ZB_STORAGE`.
 */
export async function captureDirectory(opts: CaptureDirectoryOptions): Promise<DirectorySnapshotResult> {
  const { capture, backend, signal } = opts;
  const key = directoryDumpKey(opts.at ?? new Date());
  const ifChanged = opts.always !== true;
  if (capture.source === 'ldap') {
    const { source: _source, ...ldap } = capture;
    const r = await saveDirectoryDump({ ...ldap, backend, key, ifChanged, ...(signal ? { signal } : {}) });
    return { key: r.key, source: 'ldap', summary: r.summary, bytes: r.bytes, digest: r.digest, unchanged: r.unchanged };
  }
  const r = await saveDirectoryEntries(backend, key, soapDirectoryEntries(opts.client, signal), signal, { ifChanged });
  return {
    key: r.key,
    source: 'soap',
    summary: r.summary,
    bytes: r.bytes,
    digest: r.digest,
    unchanged: r.unchanged,
    warning: SOAP_DIRECTORY_WARNING,
  };
}
