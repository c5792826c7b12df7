/**
 * The command table: request name + namespace to handler, as Zimbra registers its
 * DocumentServices. The mail port serves AccountService and MailService; the admin port serves
 * AdminService as well (PROTOCOL.md section 0).
 */
import { faults } from '../wire/soap-fault.js';
import type { Element } from '../wire/element.js';
import { accountHandlers } from './account.js';
import { accountPrefHandlers } from './account-prefs.js';
import { adminAccountHandlers } from './admin-accounts.js';
import { adminAuthHandlers } from './admin-auth.js';
import { adminCommandHandlers } from './admin-commands.js';
import { adminDirectoryHandlers } from './admin-directory.js';
import { adminWaitSetHandlers } from './admin-waitset.js';
import { batchHandlers } from './batch.js';
import { conversationHandlers } from './conversations.js';
import type { EmulatorState, HandlerSpec } from './context.js';
import { itemActionHandlers } from './item-action.js';
import { mailMiscHandlers } from './mail-misc.js';
import { mailReadHandlers } from './mail-read.js';
import { mailSearchHandlers } from './mail-search.js';
import { syncHandlers } from './mail-sync.js';
import { mailWriteHandlers } from './mail-write.js';
import { noteHandlers } from './notes.js';

const ALL: HandlerSpec[] = [
  ...accountHandlers,
  ...accountPrefHandlers,
  ...adminAuthHandlers,
  ...adminAccountHandlers,
  ...adminCommandHandlers,
  ...adminDirectoryHandlers,
  ...adminWaitSetHandlers,
  ...batchHandlers,
  ...syncHandlers,
  ...mailReadHandlers,
  ...mailSearchHandlers,
  ...conversationHandlers,
  ...mailMiscHandlers,
  ...mailWriteHandlers,
  ...itemActionHandlers,
  ...noteHandlers,
];

const byKey = new Map<string, HandlerSpec>(ALL.map((h) => [`${h.ns}|${h.name}`, h]));
const byName = new Map<string, HandlerSpec[]>();
for (const h of ALL) byName.set(h.name, [...(byName.get(h.name) ?? []), h]);

/**
 * Finds the handler for a request element; the namespace picks between same-named commands
 * (user vs admin AuthRequest). Unknown or wrong-port commands, and commands the server's
 * configuration leaves unregistered (`enabled`), give `service.UNKNOWN_DOCUMENT` (SoapEngine.java
 * `dispatchRequest`: no handler).
 */
export function findHandler(req: Element, port: 'mail' | 'admin', state?: EmulatorState): HandlerSpec {
  let h = req.ns ? byKey.get(`${req.ns}|${req.name}`) : undefined;
  if (!h && !req.ns) {
    const candidates = (byName.get(req.name) ?? []).filter((c) => port === 'admin' || !c.adminPort);
    h = candidates.find((c) => (port === 'admin') === Boolean(c.adminPort)) ?? candidates[0];
  }
  if (!h || (h.adminPort && port !== 'admin') || (h.enabled && !(state && h.enabled(state))))
    throw faults.unknownDocument(req.name);
  return h;
}

/** Every registered command as `namespace:Name` (request name without `Request`), sorted. */
export function registeredCommands(): string[] {
  return ALL.map((h) => `${h.ns}:${h.name.replace(/Request$/, '')}`).sort();
}
