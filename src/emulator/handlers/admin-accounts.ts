/**
 * urn:zimbraAdmin account maintenance: SetPasswordRequest. Passwords are stored hashed and no
 * response carries one (see model/passwords.ts).
 */
import { faults } from '../wire/soap-fault.js';
import { NS, requireAdmin, response, type HandlerSpec } from './context.js';

/**
 * SetPasswordRequest `id` `newPassword` (`admin/SetPassword.java`): the account by zimbraId only;
 * an unknown id is `account.NO_SUCH_ACCOUNT` for a global admin. A global admin holds
 * `setAccountPassword`, so no password policy applies and the response has no `<message>`.
 */
const setPassword: HandlerSpec = {
  name: 'SetPasswordRequest',
  ns: NS.admin,
  adminPort: true,
  handle(req, ctx) {
    requireAdmin(ctx);
    const id = req.get('id');
    const newPassword = req.get('newPassword');
    if (id === undefined) throw faults.invalidRequest('missing required attribute: id');
    if (newPassword === undefined) throw faults.invalidRequest('missing required attribute: newPassword');
    const dir = ctx.state.directory;
    const acct = dir.findAccount(id);
    if (!acct || acct.id !== id) throw faults.noSuchAccount(id);
    if (!req.getBool('dryRun')) dir.setPassword(acct, newPassword);
    return response(req, NS.admin);
  },
};

/** Admin account-maintenance handlers. */
export const adminAccountHandlers: HandlerSpec[] = [setPassword];
