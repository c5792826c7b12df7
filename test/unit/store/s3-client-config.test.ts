import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { Secret } from '../../../src/internal/secret.js';
import { buildS3ClientConfig } from '../../../src/store/backends/s3-client-config.js';

describe('buildS3ClientConfig', () => {
  it('defaults to WHEN_REQUIRED checksums, us-east-1, one SDK attempt and bounded keep-alive agents', () => {
    const config = buildS3ClientConfig({ bucket: 'bkt' }, 9);
    expect(config).toMatchObject({
      region: 'us-east-1',
      forcePathStyle: false,
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      maxAttempts: 1,
      requestHandler: { connectionTimeout: 10_000, requestTimeout: 120_000 },
    });
    const handler = config.requestHandler as unknown as { httpAgent: { maxSockets: number; keepAlive: boolean } };
    expect(handler.httpAgent.maxSockets).toBe(9);
    expect(config.credentials).toBeUndefined(); // the SDK default chain applies
    expect(config.endpoint).toBeUndefined();
  });

  it('passes explicit choices through', () => {
    const config = buildS3ClientConfig(
      {
        bucket: 'bkt',
        region: 'eu-west-1',
        endpoint: 'http://127.0.0.1:9000',
        forcePathStyle: true,
        requestChecksumCalculation: 'WHEN_SUPPORTED',
        maxAttempts: 3,
      },
      4,
    );
    expect(config).toMatchObject({
      region: 'eu-west-1',
      endpoint: 'http://127.0.0.1:9000',
      forcePathStyle: true,
      requestChecksumCalculation: 'WHEN_SUPPORTED',
      maxAttempts: 3,
    });
  });

  it('keeps static secrets behind a provider: revealed when signing, never when printed', async () => {
    const config = buildS3ClientConfig(
      {
        bucket: 'bkt',
        credentials: {
          accessKeyId: 'AKIDEXAMPLE',
          secretAccessKey: new Secret('very-secret-key'),
          sessionToken: 'session-tok',
        },
      },
      4,
    );
    expect(JSON.stringify(config)).not.toContain('very-secret-key');
    expect(inspect(config, { depth: 5 })).not.toContain('very-secret-key');
    const provider = config.credentials as unknown as () => Promise<Record<string, string>>;
    expect(await provider()).toEqual({
      accessKeyId: 'AKIDEXAMPLE',
      secretAccessKey: 'very-secret-key',
      sessionToken: 'session-tok',
    });
  });

  it('rejects bad numbers and checksum modes with ZB_INVALID_ARGUMENT', () => {
    expect(() => buildS3ClientConfig({ bucket: 'bkt', maxAttempts: 0 }, 1)).toThrow(
      expect.objectContaining({ code: 'ZB_INVALID_ARGUMENT', data: expect.objectContaining({ field: 'maxAttempts' }) }),
    );
    expect(() => buildS3ClientConfig({ bucket: 'bkt', responseChecksumValidation: 'NEVER' as never }, 1)).toThrow(
      expect.objectContaining({ data: expect.objectContaining({ field: 'responseChecksumValidation' }) }),
    );
  });
});
