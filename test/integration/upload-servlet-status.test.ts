// The upload servlet's refusals arrive with HTTP 200: store/src/java/com/zimbra/cs/service/FileUploadServlet.java
// sendResponse() writes "<status>,'<reqId>'" into the body and never sets the HTTP status
// (store/src/java-test/com/zimbra/cs/service/FileUploadServletTest.java reads 401 from the body);
// the size limit is zimbraMtaMaxMessageSize (zimbraFileUploadMaxSize with lbfums), getFileUploadMaxSize().
import { Readable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { startEmulator, type Emulator } from '../../src/emulator/index.js';
import { uploadFile } from '../../src/rest/upload-file.js';
import { ZimbraClient } from '../../src/soap/zimbra-client.js';

let emu: Emulator | undefined;
let client: ZimbraClient | undefined;
afterEach(async () => {
  client?.close();
  await emu?.close();
  emu = undefined;
  client = undefined;
});

async function setup(opts: Parameters<typeof startEmulator>[0] = {}): Promise<{ emu: Emulator; client: ZimbraClient }> {
  emu = await startEmulator(opts);
  emu.createAccount('up@example.test', 'pw-up-secret');
  client = new ZimbraClient({ url: emu.url, adminUrl: emu.adminUrl, retries: 0 });
  await client.authAdmin(emu.adminUser, emu.adminPassword);
  return { emu, client };
}

describe('upload servlet status in the body (FileUploadServlet.java)', () => {
  it('emulator: a refusal is HTTP 200 with the status in the body', async () => {
    const { emu } = await setup({ uploadMaxBytes: 100 });
    const noAuth = await fetch(`${emu.url}/service/upload?fmt=raw`, { method: 'POST', body: 'x' });
    expect(noAuth.status).toBe(200);
    expect((await noAuth.text()).trim()).toBe("401,'null'");
    const big = Buffer.alloc(101, 0x61);
    const tokenRes = await fetch(`${emu.url}/service/soap`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        Body: {
          AuthRequest: {
            _jsns: 'urn:zimbraAccount',
            account: { by: 'name', _content: 'up@example.test' },
            password: { _content: 'pw-up-secret' },
          },
        },
      }),
    });
    const token = ((await tokenRes.json()) as any).Body.AuthResponse.authToken[0]._content as string;
    const tooBig = await fetch(`${emu.url}/service/upload?fmt=raw`, {
      method: 'POST',
      headers: {
        cookie: `ZM_AUTH_TOKEN=${token}`,
        'content-type': 'text/plain',
        'content-disposition': 'attachment; filename="a.txt"',
      },
      body: big,
    });
    expect(tooBig.status).toBe(200);
    expect((await tooBig.text()).trim()).toBe("413,'null'");
  });

  it('client: 413 in the body is ZB_TOO_LARGE naming the size attributes', async () => {
    const { client } = await setup({ uploadMaxBytes: 100 });
    await expect(
      uploadFile(client, {
        account: 'up@example.test',
        body: Buffer.alloc(200, 0x61),
        contentType: 'text/plain',
        filename: 'a',
      }),
    ).rejects.toMatchObject({ code: 'ZB_TOO_LARGE', message: expect.stringContaining('zimbraMtaMaxMessageSize') });
    // within the limit it works
    const aid = await uploadFile(client, {
      account: 'up@example.test',
      body: Buffer.alloc(50, 0x61),
      contentType: 'text/plain',
      filename: 'a',
    });
    expect(aid).toMatch(/:/);
  });

  it('client: 401 in the body renews the token; a Buffer is sent again, a stream asks its caller to', async () => {
    const { emu, client } = await setup();
    emu.faults.inject({ match: { path: /^\/service\/upload/ }, expireAuth: true });
    const aid = await uploadFile(client, {
      account: 'up@example.test',
      body: Buffer.from('hello'),
      contentType: 'text/plain',
      filename: 'h',
    });
    expect(aid).toMatch(/:/);
    expect(emu.faults.pending()).toBe(0);

    emu.faults.inject({ match: { path: /^\/service\/upload/ }, expireAuth: true });
    await expect(
      uploadFile(client, {
        account: 'up@example.test',
        body: Readable.from([Buffer.from('hello')]),
        contentType: 'text/plain',
        filename: 'h',
      }),
    ).rejects.toMatchObject({ code: 'ZB_AUTH', data: expect.objectContaining({ renewed: true }) });
  });
});
