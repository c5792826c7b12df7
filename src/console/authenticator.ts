/**
 * The two ways into the console: a Zimbra administrator's name and password, checked by the
 * server itself (admin AuthRequest), or, when no server is configured, a random token printed
 * once at start.
 * @module
 */
import { isZimbraBackupError } from '../errors.js';
import { Secret } from '../internal/secret.js';
import { ZimbraClient, type ZimbraClientOptions } from '../soap/index.js';
import type { Authenticator } from './context.js';
import { randomToken, sameSecret } from './security/sessions.js';

const NAME_RE = /^[A-Za-z0-9._%+@-]{1,254}$/;

/** Admin login through AuthRequest on `adminUrl`. A new client per login, kept by the session. */
export function zimbraAuthenticator(client: Pick<ZimbraClientOptions, 'url' | 'adminUrl' | 'tls'>): Authenticator {
  return {
    mode: 'zimbra',
    async login(body) {
      const { username, password } = body;
      if (typeof username !== 'string' || !NAME_RE.test(username)) return undefined;
      if (typeof password !== 'string' || password.length === 0 || password.length > 1024) return undefined;
      const zc = new ZimbraClient({ ...client });
      try {
        await zc.authAdmin(username, new Secret(password));
        return { user: username, client: zc };
      } catch (err) {
        zc.close();
        // A SOAP fault (account.AUTH_FAILED, service.PERM_DENIED for a non-admin) is a refusal;
        // a transport failure is the server being unreachable and surfaces as an error.
        if (isZimbraBackupError(err, 'ZB_SOAP_FAULT') || isZimbraBackupError(err, 'ZB_AUTH')) return undefined;
        throw err;
      }
    },
  };
}

/** Login with a token generated at start; `token` is what to show the operator, once. */
export function tokenAuthenticator(): Authenticator & { token: Secret } {
  const token = new Secret(randomToken());
  return {
    mode: 'token',
    token,
    async login(body) {
      if (typeof body.token !== 'string' || body.token.length > 200) return undefined;
      return sameSecret(body.token, token.reveal()) ? { user: 'token' } : undefined;
    },
  };
}
