// The upload servlet's status lives in the body, with HTTP 200:
// store/src/java/com/zimbra/cs/service/FileUploadServlet.java sendResponse() writes
// "<status>,'<reqId>'" (+ ",'aid,aid'" or, with fmt=extended, ",[{…}]" on 200) and never sets the
// HTTP status; store/src/java-test/com/zimbra/cs/service/FileUploadServletTest.java reads 401 from the body.
import { describe, expect, it } from 'vitest';
import { parseUploadStatus, uploadStatusError } from '../../../src/rest/upload-status.js';

describe('parseUploadStatus (FileUploadServlet.sendResponse)', () => {
  it('reads the raw line, with and without a request id, several aids', () => {
    expect(parseUploadStatus("200,'null','8a2d:3f2a-uuid'\n")).toEqual({
      status: 200,
      requestId: undefined,
      files: [{ aid: '8a2d:3f2a-uuid' }],
    });
    expect(parseUploadStatus("200,'req-7','s:a,s:b'\r\n").files.map((f) => f.aid)).toEqual(['s:a', 's:b']);
    expect(parseUploadStatus("200,'req-7','s:a'").requestId).toBe('req-7');
  });

  it('reads the extended JSON list', () => {
    const s = parseUploadStatus(`200,'null',[{"aid":"s:a","ct":"message/rfc822","filename":"1.eml","s":42}]\n`);
    expect(s.files).toEqual([{ aid: 's:a', contentType: 'message/rfc822', filename: '1.eml', size: 42 }]);
  });

  it('reads refusals, which carry no third field', () => {
    for (const [body, status] of [
      ["413,'null'\n", 413],
      ["401,'null'\n", 401],
      ["204,'r1'\n", 204],
      ["500,'null'\n", 500],
    ] as const)
      expect(parseUploadStatus(body)).toEqual({ status, requestId: body.includes('r1') ? 'r1' : undefined, files: [] });
  });

  it('reads the HTML wrapper written without fmt=raw', () => {
    const html =
      "<html><head><script language='javascript'>\nfunction doit() { window.parent._uploadManager.loaded(401,'null'); }\n</script></head><body onload='doit()'></body></html>\n";
    expect(parseUploadStatus(html).status).toBe(401);
  });

  it('refuses what the servlet never writes', () => {
    for (const body of ['', '<html>proxy error</html>', "200,'null'", "200,'null','null'", '200,null,x'])
      expect(() => parseUploadStatus(body)).toThrow(expect.objectContaining({ code: 'ZB_PROTOCOL' }));
  });
});

describe('uploadStatusError', () => {
  it('maps 413 to ZB_TOO_LARGE naming the size attributes, 401 to ZB_AUTH, 200 to nothing', () => {
    const big = uploadStatusError(parseUploadStatus("413,'null'"), 20_000_000)!;
    expect(big.code).toBe('ZB_TOO_LARGE');
    expect(big.message).toContain('zimbraMtaMaxMessageSize');
    expect(big.message).toContain('zimbraFileUploadMaxSize');
    expect(big.data).toMatchObject({ status: 413, size: 20_000_000 });
    expect(uploadStatusError(parseUploadStatus("401,'null'"))!.code).toBe('ZB_AUTH');
    expect(uploadStatusError(parseUploadStatus("200,'null','a'"))).toBeUndefined();
    expect(uploadStatusError(parseUploadStatus("500,'null'"))!.code).toBe('ZB_TRANSPORT');
  });
});
