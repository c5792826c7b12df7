/**
 * REST blob I/O: streaming item download, the upload servlet and whole-mailbox `fmt=tgz` export.
 *
 * ```text
 * target = client.restTarget(account)      // base URL, /service/home/<name|~>/, auth cookie
 * GET/POST with cookie ZM_AUTH_TOKEN (ZM_ADMIN_AUTH_TOKEN on the admin port)
 *   401 -> renew token once; network error / 429 / 502-504 -> Retry-After or backoff, retry (replayable requests only)
 *   404 -> NoSuchItemError; other status -> HttpStatusError
 * body -> ByteCountStream: > maxBytes -> ZB_TOO_LARGE; end != expected size -> ZB_SIZE_MISMATCH
 * ```
 * Bytes are never buffered whole; a truncated body is an error, never a short success.
 * @module
 */
export { downloadItem, type DownloadItemOptions, type DownloadItemResult } from './download-item.js';
export { uploadFile, parseUploadResponse, type UploadFileOptions } from './upload-file.js';
export { exportTgz, type ExportTgzOptions } from './export-tgz.js';
export { parseItemHeaders, type ItemHeaders } from './item-headers.js';
export { ByteCountStream, type ByteCountStreamOptions } from '../internal/byte-count-stream.js';
