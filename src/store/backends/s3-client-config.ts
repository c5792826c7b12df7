import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import type { S3ClientConfig } from '@aws-sdk/client-s3';
import { ZimbraBackupError } from '../../errors.js';
import { toSecret } from '../../internal/secret.js';
import type { S3BackendOptions, S3ChecksumMode } from './s3.js';

/**
 * Validates an optional integer option against `[min, max]`, giving `fallback` when absent.
 * @throws ZimbraBackupError `ZB_INVALID_ARGUMENT` naming `field`.
 */
export function intOption(
  value: number | undefined,
  field: string,
  fallback: number,
  min = 1,
  max = Number.MAX_SAFE_INTEGER,
): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new ZimbraBackupError(`${field} must be an integer between ${min} and ${max}`, {
      code: 'ZB_INVALID_ARGUMENT',
      data: { field, value },
    });
  }
  return value;
}

function checksumMode(value: S3ChecksumMode | undefined, field: string): S3ChecksumMode {
  if (value === undefined) return 'WHEN_REQUIRED';
  if (value !== 'WHEN_REQUIRED' && value !== 'WHEN_SUPPORTED') {
    throw new ZimbraBackupError(`${field} must be WHEN_REQUIRED or WHEN_SUPPORTED`, {
      code: 'ZB_INVALID_ARGUMENT',
      data: { field },
    });
  }
  return value;
}

/**
 * Turns {@link S3BackendOptions} into an S3Client configuration: keep-alive agents limited to
 * `maxConnections`, checksums WHEN_REQUIRED unless asked otherwise, no SDK retries by default,
 * and static credentials behind a provider so the secret is revealed only when signing.
 * @throws ZimbraBackupError `ZB_INVALID_ARGUMENT` naming the bad field.
 */
export function buildS3ClientConfig(options: S3BackendOptions, maxConnections: number): S3ClientConfig {
  const agentOptions = { keepAlive: true, maxSockets: maxConnections };
  const config: S3ClientConfig = {
    region: options.region ?? 'us-east-1',
    forcePathStyle: options.forcePathStyle ?? false,
    requestChecksumCalculation: checksumMode(options.requestChecksumCalculation, 'requestChecksumCalculation'),
    responseChecksumValidation: checksumMode(options.responseChecksumValidation, 'responseChecksumValidation'),
    maxAttempts: intOption(options.maxAttempts, 'maxAttempts', 1),
    requestHandler: {
      httpAgent: new HttpAgent(agentOptions),
      httpsAgent: new HttpsAgent(agentOptions),
      connectionTimeout: intOption(options.connectionTimeoutMs, 'connectionTimeoutMs', 10_000),
      requestTimeout: intOption(options.requestTimeoutMs, 'requestTimeoutMs', 120_000),
    },
  };
  if (options.endpoint !== undefined) config.endpoint = options.endpoint;
  const creds = options.credentials;
  if (creds !== undefined) {
    const secret = toSecret(creds.secretAccessKey);
    const session = creds.sessionToken === undefined ? undefined : toSecret(creds.sessionToken);
    // A provider rather than a plain object, so the secret is revealed only when a request is signed.
    config.credentials = async () => ({
      accessKeyId: creds.accessKeyId,
      secretAccessKey: secret.reveal(),
      ...(session === undefined ? {} : { sessionToken: session.reveal() }),
    });
  }
  return config;
}
