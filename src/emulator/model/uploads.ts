/**
 * The upload servlet's store (`FileUploadServlet`): bytes kept under an aid
 * `<server zimbraId>:<uuid>`, owned by the uploading account, consumed by the request that
 * uses them, and expired after 15 minutes (PROTOCOL.md 5a).
 */
import { randomUUID } from 'node:crypto';
import { faults } from '../wire/soap-fault.js';

/** `FileUploadServlet.UPLOAD_TIMEOUT_MSEC`. */
export const UPLOAD_TIMEOUT_MS = 15 * 60 * 1000;

/** One stored upload. */
export interface Upload {
  aid: string;
  accountId: string;
  bytes: Buffer;
  contentType: string;
  filename: string;
  createdMs: number;
}

/** Pending uploads. */
export class Uploads {
  private readonly byAid = new Map<string, Upload>();
  /** The other servers' upload stores, by server id (a cluster). */
  private readonly peers = new Map<string, Uploads>();

  constructor(
    /** The zimbraId of the server this store belongs to (the aid prefix). */
    readonly serverId: string,
    private readonly now: () => number = Date.now,
  ) {}

  /** Stores bytes and returns the new upload. */
  put(accountId: string, bytes: Buffer, contentType: string, filename: string): Upload {
    this.sweep();
    const up: Upload = {
      aid: `${this.serverId}:${randomUUID()}`,
      accountId,
      bytes,
      contentType,
      filename,
      createdMs: this.now(),
    };
    this.byAid.set(up.aid, up);
    return up;
  }

  /** Links the upload stores of the other servers of a cluster. */
  link(peers: Uploads[]): void {
    for (const p of peers) if (p !== this) this.peers.set(p.serverId, p);
  }

  /**
   * Takes (removes) an upload of this account, or raises `mail.NO_SUCH_UPLOAD`. An aid of
   * another server is fetched from that server, as `FileUploadServlet.fetchUpload` does when a
   * request that names an upload was proxied to the account's home server.
   */
  take(accountId: string, aid: string): Upload {
    const peer = this.peers.get(aid.slice(0, aid.indexOf(':')));
    if (peer) return peer.take(accountId, aid);
    this.sweep();
    const up = this.byAid.get(aid);
    if (!up || up.accountId !== accountId) throw faults.noSuchUpload(aid);
    this.byAid.delete(aid);
    return up;
  }

  private sweep(): void {
    const cutoff = this.now() - UPLOAD_TIMEOUT_MS;
    for (const [aid, up] of this.byAid) if (up.createdMs <= cutoff) this.byAid.delete(aid);
  }
}
