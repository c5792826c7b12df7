import { describe, expect, it } from 'vitest';
import { normalizeS3Prefix, parseS3Url } from '../../../src/store/backends/s3-url.js';

describe('parseS3Url', () => {
  it('splits bucket and prefix, normalising slashes', () => {
    expect(parseS3Url('s3://backups/zimbra/prod')).toEqual({ bucket: 'backups', prefix: 'zimbra/prod' });
    expect(parseS3Url('s3://backups/zimbra/prod/')).toEqual({ bucket: 'backups', prefix: 'zimbra/prod' });
    expect(parseS3Url('s3://backups')).toEqual({ bucket: 'backups', prefix: '' });
    expect(parseS3Url('s3://backups/')).toEqual({ bucket: 'backups', prefix: '' });
    expect(parseS3Url('s3://my.bucket-1/a%20b')).toEqual({ bucket: 'my.bucket-1', prefix: 'a b' });
  });

  it('reads endpoint, region and path-style from the query', () => {
    expect(parseS3Url('s3://b1b/p?endpoint=http%3A%2F%2F127.0.0.1%3A9000&region=eu-west-1&path-style=true')).toEqual({
      bucket: 'b1b',
      prefix: 'p',
      endpoint: 'http://127.0.0.1:9000',
      region: 'eu-west-1',
      forcePathStyle: true,
    });
    expect(parseS3Url('s3://b1b/p?path-style=0').forcePathStyle).toBe(false);
  });

  it.each([
    ['not a URL', 'nope'],
    ['another scheme', 'http://bucket/prefix'],
    ['credentials in the URL', 's3://AKIA:secret@bucket/prefix'],
    ['a port', 's3://bucket:9000/prefix'],
    ['an upper-case bucket', 's3://Bucket/prefix'],
    ['a too short bucket', 's3://ab/prefix'],
    ['an empty bucket', 's3:///prefix'],
    ['a dot-dot prefix', 's3://bucket/a/../b'],
    ['an encoded dot-dot prefix', 's3://bucket/a/%2e%2e/b'],
    ['an empty prefix segment', 's3://bucket/a//b'],
    ['an unknown parameter', 's3://bucket/p?secret=x'],
    ['a non-http endpoint', 's3://bucket/p?endpoint=ftp%3A%2F%2Fhost'],
    ['a bad path-style value', 's3://bucket/p?path-style=maybe'],
  ])('refuses %s with ZB_INVALID_ARGUMENT', (_what, url) => {
    expect(() => parseS3Url(url)).toThrow(expect.objectContaining({ code: 'ZB_INVALID_ARGUMENT' }));
  });

  it('never echoes credentials given in the URL', () => {
    try {
      parseS3Url('s3://AKIA:topsecret@bucket/prefix');
      expect.unreachable();
    } catch (err) {
      expect(JSON.stringify(err)).not.toContain('topsecret');
      expect(String((err as Error).message)).not.toContain('topsecret');
    }
  });
});

describe('normalizeS3Prefix', () => {
  it('strips surrounding slashes and keeps inner ones', () => {
    expect(normalizeS3Prefix('/a/b/')).toBe('a/b');
    expect(normalizeS3Prefix('')).toBe('');
    expect(normalizeS3Prefix('///')).toBe('');
  });
  it('refuses . and .. segments', () => {
    expect(() => normalizeS3Prefix('a/./b')).toThrow(expect.objectContaining({ code: 'ZB_INVALID_ARGUMENT' }));
    expect(() => normalizeS3Prefix('..')).toThrow(expect.objectContaining({ code: 'ZB_INVALID_ARGUMENT' }));
  });
});

describe('parseS3Url endpoint parameter', () => {
  it('refuses an endpoint carrying credentials', () => {
    expect(() => parseS3Url('s3://bucket/p?endpoint=' + encodeURIComponent('http://user:pw@host:9000'))).toThrow(
      expect.objectContaining({ code: 'ZB_INVALID_ARGUMENT' }),
    );
  });
});
