/**
 * The server side of bench/http-layer.ts, run as a child process so its CPU is not counted as the
 * client's: answers `POST /service/soap` with a fixed GetFolderResponse (JSON, like Zimbra's) and
 * `GET /service/home/~/?id=N&bytes=B` with B bytes of a preallocated buffer and a Content-Length.
 * Prints `port <n>` on stdout when listening; exits when stdin closes.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

const soapBody = Buffer.from(
  JSON.stringify({
    Header: { context: { _jsns: 'urn:zimbra', change: { token: 1290 } } },
    Body: {
      GetFolderResponse: {
        folder: [
          {
            id: '1',
            name: 'USER_ROOT',
            l: '11',
            folder: Array.from({ length: 12 }, (_, i) => ({
              id: String(i + 2),
              name: `F${i}`,
              l: '1',
              n: i * 7,
              s: i * 9000,
            })),
          },
        ],
        _jsns: 'urn:zimbraMail',
      },
    },
    _jsns: 'urn:zimbraSoap',
  }),
);
const blob = Buffer.alloc(64 * 1024 * 1024, 0x61);

const server = http.createServer((req, res) => {
  if (req.method === 'POST') {
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'text/javascript;charset=utf-8', 'content-length': soapBody.length });
      res.end(soapBody);
    });
    return;
  }
  const bytes = Math.min(blob.length, Number(new URL(req.url ?? '/', 'http://x').searchParams.get('bytes') ?? 0));
  res.writeHead(200, { 'content-type': 'message/rfc822', 'content-length': bytes });
  res.end(blob.subarray(0, bytes));
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`port ${(server.address() as AddressInfo).port}\n`);
});
process.stdin.on('close', () => process.exit(0));
process.stdin.resume();
