import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { HeadBucketCommand, S3Client } from '@aws-sdk/client-s3';

/** Connection details of the live S3-compatible server, or why there is none. */
export type S3LiveInfo =
  | {
      unavailable?: undefined;
      /** `http://127.0.0.1:<port>` */
      endpoint: string;
      /** Bucket created at start. */
      bucket: string;
      region: string;
      /** s3rver's fixed development credentials (public, not secrets). */
      accessKeyId: string;
      secretAccessKey: string;
      /** s3rver's data directory, to look at what it stored byte for byte. */
      directory: string;
    }
  | { unavailable: string };

declare module 'vitest' {
  export interface ProvidedContext {
    s3: S3LiveInfo;
  }
}

const PACKAGE = 's3rver@3.7.1';
const BUCKET = 'zb-live';
const START_TIMEOUT_MS = 20_000;

/** Finds s3rver's CLI script through Node's resolution (it is a devDependency). */
async function findS3rverBin(): Promise<string> {
  const require = createRequire(import.meta.url);
  const pkgPath = require.resolve('s3rver/package.json');
  const pkg = JSON.parse(await readFile(pkgPath, 'utf8')) as {
    version?: string;
    bin?: string | Record<string, string>;
  };
  const bin = typeof pkg.bin === 'string' ? pkg.bin : pkg.bin?.['s3rver'];
  if (bin === undefined) throw new Error(`s3rver ${pkg.version ?? '?'} declares no s3rver bin`);
  return join(dirname(pkgPath), bin);
}

/** Waits for the "listening on host:port" line; port 0 makes the OS pick a free port atomically. */
function waitForPort(child: ChildProcess, logs: string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`no "listening" line within ${START_TIMEOUT_MS} ms`)),
      START_TIMEOUT_MS,
    );
    const onData = (chunk: Buffer): void => {
      logs.push(chunk.toString());
      const match = /S3rver listening on [\d.]+:(\d+)/.exec(logs.join(''));
      if (match?.[1] !== undefined) {
        clearTimeout(timer);
        resolve(Number(match[1]));
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (chunk: Buffer) => logs.push(chunk.toString()));
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.once('exit', (code, sig) => {
      clearTimeout(timer);
      reject(new Error(`s3rver exited during startup (code ${code ?? 'none'}, signal ${sig ?? 'none'})`));
    });
  });
}

/** Polls the bucket with a signed request until the server answers it. */
async function waitUntilAnswering(info: Extract<S3LiveInfo, { endpoint: string }>): Promise<void> {
  const client = new S3Client({
    endpoint: info.endpoint,
    region: info.region,
    forcePathStyle: true,
    maxAttempts: 1,
    credentials: { accessKeyId: info.accessKeyId, secretAccessKey: info.secretAccessKey },
  });
  const deadline = Date.now() + START_TIMEOUT_MS;
  try {
    for (;;) {
      try {
        await client.send(new HeadBucketCommand({ Bucket: info.bucket }));
        return;
      } catch (err) {
        if (Date.now() > deadline)
          throw new Error(`bucket ${info.bucket} not answering: ${String(err)}`, { cause: err });
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  } finally {
    client.destroy();
  }
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}

/**
 * Starts s3rver as its own process on 127.0.0.1 with a throwaway data directory and one bucket.
 * It runs under `node --openssl-legacy-provider` because its list continuation tokens use a
 * cipher OpenSSL 3 disables. Startup output is kept and shown only when startup fails. When s3rver
 * is missing or does not start, tests get `{ s3: { unavailable } }`, unless ZB_REQUIRE_LIVE=1
 * (CI), where that is fatal.
 */
export async function startS3rver(
  opts: { /** Overrides the s3rver CLI script (tests of this setup). */ bin?: string } = {},
): Promise<{ provide: { s3: S3LiveInfo }; stop(): Promise<void> }> {
  // The SDK warns once per process that Node 20 support ends in 2027; noise in test output.
  process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] ??= 'true';
  let bin: string;
  try {
    bin = opts.bin ?? (await findS3rverBin());
  } catch (err) {
    return unavailable(`${PACKAGE} is not installed (npm install --save-dev ${PACKAGE}): ${(err as Error).message}`);
  }
  const directory = await mkdtemp(join(tmpdir(), 'zb-s3rver-'));
  const logs: string[] = [];
  const child = spawn(
    process.execPath,
    [
      '--openssl-legacy-provider',
      bin,
      '-d',
      directory,
      '-a',
      '127.0.0.1',
      '-p',
      '0',
      '--silent',
      '--configure-bucket',
      BUCKET,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const stop = async (): Promise<void> => {
    await stopChild(child);
    await rm(directory, { recursive: true, force: true });
  };
  try {
    const port = await waitForPort(child, logs);
    const info = {
      endpoint: `http://127.0.0.1:${port}`,
      bucket: BUCKET,
      region: 'us-east-1',
      accessKeyId: 'S3RVER',
      secretAccessKey: 'S3RVER',
      directory,
    };
    await waitUntilAnswering(info);
    // Keep draining output so a chatty server can never block on a full pipe.
    child.stdout?.resume();
    child.stderr?.resume();
    return { provide: { s3: info }, stop };
  } catch (err) {
    await stop();
    const output = logs.join('').trim();
    return unavailable(
      `${PACKAGE} failed to start: ${(err as Error).message}${output === '' ? '' : `\n--- s3rver output ---\n${output}`}`,
    );
  }
}

function unavailable(reason: string): { provide: { s3: S3LiveInfo }; stop(): Promise<void> } {
  if (process.env['ZB_REQUIRE_LIVE'] === '1')
    throw new Error(`ZB_REQUIRE_LIVE=1 but the live S3 server is unavailable: ${reason}`);
  return { provide: { s3: { unavailable: reason } }, stop: async () => {} };
}
