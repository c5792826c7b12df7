/**
 * Small urn:zimbraMail / urn:zimbraAccount commands clients call first: NoOpRequest
 * (`service/mail/NoOp.java`), GetVersionInfoRequest (`service/account/GetVersionInfo.java`),
 * GetPermissionRequest (`service/mail/GetPermission.java`) and GetRightsRequest
 * (`service/account/GetRights.java`). The emulator keeps no account-level ACEs (no
 * GrantPermission/GrantRights), so the last two answer as for an account nobody granted a right.
 */
import { faults } from '../wire/soap-fault.js';
import { NS, response, targetAccount, type HandlerSpec } from './context.js';

const handlers: HandlerSpec[] = [
  {
    name: 'NoOpRequest',
    ns: NS.mail,
    handle(req, ctx) {
      targetAccount(ctx);
      // the emulator keeps no SOAP sessions; NoOp.java refuses to wait without one
      if (req.getBool('wait'))
        throw faults.invalidRequest(
          'Cannot execute a NoOpRequest with wait="1" without a session.  Set the <session> flag in the <context> of your request',
        );
      return response(req, NS.mail);
    },
  },
  {
    name: 'GetVersionInfoRequest',
    ns: NS.account,
    handle(req, ctx) {
      targetAccount(ctx);
      // zimbraSoapExposeVersion is FALSE on a stock server
      throw faults.permDenied('Version info is not available.');
    },
  },
  {
    name: 'GetPermissionRequest',
    ns: NS.mail,
    handle(req, ctx) {
      targetAccount(ctx);
      return response(req, NS.mail);
    },
  },
  {
    name: 'GetRightsRequest',
    ns: NS.account,
    handle(req, ctx) {
      targetAccount(ctx);
      return response(req, NS.account);
    },
  },
];

/** Small mail/account handlers. */
export const mailMiscHandlers: HandlerSpec[] = handlers;
