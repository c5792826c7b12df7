import { ZimbraBackupError } from '../../errors.js';
import { invalidArgument } from '../../internal/invalid-argument.js';

/** A repository location on S3-compatible storage, as parsed from an `s3://` URL. */
export interface S3Url {
  /** Bucket name. */
  bucket: string;
  /** Repository root inside the bucket, without leading or trailing `/` ('' for the bucket root). */
  prefix: string;
  /** Endpoint of an S3-compatible server, from the `endpoint` query parameter. */
  endpoint?: string;
  /** Region, from the `region` query parameter. */
  region?: string;
  /** Path-style addressing, from the `path-style` query parameter (`true`/`false`, `1`/`0`). */
  forcePathStyle?: boolean;
}

// S3 bucket naming rules (lower case, digits, dots, hyphens; 3-63 characters), plus the legacy
// underscore that some S3-compatible servers still accept.
const BUCKET_RE = /^[a-z0-9][a-z0-9._-]{1,61}[a-z0-9]$/;
const QUERY_KEYS = new Set(['endpoint', 'region', 'path-style']);

/**
 * Normalises a repository prefix: strips surrounding `/`, refuses empty, `.` and `..` segments
 * (a prefix is a path inside the bucket and must not be able to climb out of it on servers
 * that map keys to files, as s3rver does).
 * @throws ZimbraBackupError `ZB_INVALID_ARGUMENT` naming `prefix`.
 */
export function normalizeS3Prefix(prefix: string): string {
  const trimmed = prefix.replace(/^\/+|\/+$/g, '');
  if (trimmed === '') return '';
  for (const segment of trimmed.split('/')) {
    if (segment === '' || segment === '.' || segment === '..') {
      throw invalidArgument(`invalid S3 prefix: empty, "." or ".." segment in "${prefix}"`, { field: 'prefix' });
    }
  }
  return trimmed;
}

/**
 * Checks a bucket name against the S3 naming rules.
 * @throws ZimbraBackupError `ZB_INVALID_ARGUMENT` naming `bucket`.
 */
export function assertS3Bucket(bucket: string): void {
  if (!BUCKET_RE.test(bucket) || bucket.includes('..')) {
    throw invalidArgument(`invalid S3 bucket name "${bucket}"`, { field: 'bucket' });
  }
}

function parseBool(value: string): boolean {
  if (value === 'true' || value === '1' || value === '') return true;
  if (value === 'false' || value === '0') return false;
  throw invalidArgument(`invalid path-style value "${value}" in S3 URL (expected true or false)`, {
    field: 'path-style',
  });
}

/**
 * Parses `s3://bucket/prefix[?endpoint=URL&region=R&path-style=true]` into its parts.
 *
 * Credentials never belong in the URL (it ends up in logs and shell history), so user info is
 * refused.
 * @param url - The repository URL.
 * @returns The bucket, the normalised prefix and any server options given as query parameters.
 * @throws ZimbraBackupError `ZB_INVALID_ARGUMENT` for a malformed URL, bucket or prefix.
 * @example
 * ```ts
 * parseS3Url('s3://backups/zimbra/prod'); // { bucket: 'backups', prefix: 'zimbra/prod' }
 * ```
 */
export function parseS3Url(url: string): S3Url {
  // Parsed by hand: WHATWG URL parsing would resolve "a/../b" to "b" and silently change the
  // repository location, where refusing it is the safe answer.
  const match = /^s3:\/\/([^/?#]*)([^?#]*)(\?[^#]*)?$/.exec(url);
  if (match === null) throw invalidArgument('invalid S3 URL (expected s3://bucket/prefix)', { field: 'url' });
  const authority = match[1] ?? '';
  if (authority.includes('@')) {
    throw invalidArgument('credentials are not accepted in an S3 URL; use the AWS environment or a profile', {
      field: 'url',
    });
  }
  if (authority.includes(':'))
    throw invalidArgument('an S3 URL names a bucket, not a host:port; use ?endpoint=', { field: 'url' });
  assertS3Bucket(authority);
  let path: string;
  try {
    path = decodeURIComponent(match[2] ?? '');
  } catch (cause) {
    throw new ZimbraBackupError('invalid percent-encoding in S3 URL', {
      code: 'ZB_INVALID_ARGUMENT',
      cause,
      data: { field: 'prefix' },
    });
  }
  const result: S3Url = { bucket: authority, prefix: normalizeS3Prefix(path) };
  const params = new URLSearchParams(match[3] ?? '');
  for (const name of params.keys()) {
    if (!QUERY_KEYS.has(name)) throw invalidArgument(`unknown S3 URL parameter "${name}"`, { field: name });
  }
  const endpoint = params.get('endpoint');
  if (endpoint !== null) {
    if (!/^https?:\/\/[^/@]+(\/|$)/.test(endpoint)) {
      throw invalidArgument('endpoint must be an http(s) URL without credentials', { field: 'endpoint' });
    }
    result.endpoint = endpoint;
  }
  const region = params.get('region');
  if (region !== null) {
    if (!/^[a-z0-9-]+$/.test(region)) throw invalidArgument(`invalid region "${region}"`, { field: 'region' });
    result.region = region;
  }
  const pathStyle = params.get('path-style');
  if (pathStyle !== null) result.forcePathStyle = parseBool(pathStyle);
  return result;
}
