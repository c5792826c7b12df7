/**
 * Auth tokens in Zimbra's format (PROTOCOL.md 1a): `0_<HMAC-SHA1 hex>_<hex of the encoded
 * map>`, where the map is `key=len:value;` pairs (`id`, `exp`, `type`, `admin`, `aid`...).
 * Tokens are stateless (verified by HMAC), so they survive an emulator restart, as real ones do.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { faults } from '../wire/soap-fault.js';

/** What a token says. */
export interface TokenClaims {
  /** zimbraId of the account the token acts as. */
  accountId: string;
  /** Expiry, ms since the epoch. */
  expiresMs: number;
  /** Admin token (`admin=1:1`). */
  admin: boolean;
  /** For delegated tokens, the admin's zimbraId. */
  adminId?: string | undefined;
}

function encodeMap(map: Array<[string, string]>): string {
  return map.map(([k, v]) => `${k}=${v.length}:${v};`).join('');
}

function decodeMap(s: string): Map<string, string> | undefined {
  const out = new Map<string, string>();
  let i = 0;
  while (i < s.length) {
    const eq = s.indexOf('=', i);
    const colon = s.indexOf(':', eq);
    if (eq < 0 || colon < 0) return undefined;
    const len = Number(s.slice(eq + 1, colon));
    if (!Number.isInteger(len) || len < 0) return undefined;
    const value = s.slice(colon + 1, colon + 1 + len);
    if (s[colon + 1 + len] !== ';') return undefined;
    out.set(s.slice(i, eq), value);
    i = colon + 2 + len;
  }
  return out;
}

/** Issues and verifies tokens with one server key. */
export class AuthTokens {
  private readonly key = randomBytes(32);

  /** Issues a token. */
  issue(claims: TokenClaims): string {
    const map: Array<[string, string]> = [
      ['id', claims.accountId],
      ['exp', String(claims.expiresMs)],
      ['vv', '2'],
      ['type', 'zimbra'],
      ['u', 'a'],
      ['tid', String(randomBytes(4).readUInt32BE(0)).padStart(10, '0').slice(0, 10)],
      ['version', '10.1.0_GA_0000'],
    ];
    if (claims.admin) map.push(['admin', '1']);
    if (claims.adminId) map.push(['aid', claims.adminId]);
    const data = Buffer.from(encodeMap(map), 'utf8').toString('hex');
    const mac = createHmac('sha1', this.key).update(data).digest('hex');
    return `0_${mac}_${data}`;
  }

  /** Verifies a token: `service.AUTH_REQUIRED` when invalid, `service.AUTH_EXPIRED` when expired. */
  verify(token: string, now = Date.now()): TokenClaims {
    const m = /^0_([0-9a-f]{40})_([0-9a-f]+)$/.exec(token);
    if (!m) throw faults.authRequired();
    const expected = createHmac('sha1', this.key).update(m[2]!).digest();
    if (!timingSafeEqual(expected, Buffer.from(m[1]!, 'hex'))) throw faults.authRequired();
    const map = decodeMap(Buffer.from(m[2]!, 'hex').toString('utf8'));
    const accountId = map?.get('id');
    const exp = Number(map?.get('exp'));
    if (!map || !accountId || !Number.isFinite(exp)) throw faults.authRequired();
    if (exp <= now) throw faults.authExpired();
    return { accountId, expiresMs: exp, admin: map.get('admin') === '1', adminId: map.get('aid') };
  }
}
