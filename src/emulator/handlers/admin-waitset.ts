/**
 * AdminCreateWaitSetRequest, AdminWaitSetRequest, AdminDestroyWaitSetRequest (PROTOCOL.md
 * section 3): `seq` as a string, `<a id changeid>`, `canceled`, `<error id t>`.
 */
import type { WaitSetAccountSpec, WaitSetError } from '../model/waitsets.js';
import type { Element } from '../wire/element.js';
import { faults } from '../wire/soap-fault.js';
import { NS, requireAdmin, response, type HandlerSpec } from './context.js';

function specs(req: Element, group: string): WaitSetAccountSpec[] {
  return (req.child(group)?.all('a') ?? []).map((a) => ({
    id: a.get('id'),
    name: a.get('name'),
    token: a.get('token'),
    types: a.get('types'),
  }));
}

function errors(r: Element, list: WaitSetError[]): void {
  for (const e of list) r.add('error').attr('id', e.id).attr('t', e.type);
}

const create: HandlerSpec = {
  name: 'AdminCreateWaitSetRequest',
  ns: NS.admin,
  adminPort: true,
  handle(req, ctx) {
    requireAdmin(ctx);
    const defTypes = req.get('defTypes') ?? 'all';
    const { id, errors: errs } = ctx.state.waitSets.create(defTypes, req.getBool('allAccounts'), specs(req, 'add'));
    const r = response(req, NS.admin).attr('waitSet', id).attr('defTypes', defTypes).attr('seq', '0');
    errors(r, errs);
    return r;
  },
};

const wait: HandlerSpec = {
  name: 'AdminWaitSetRequest',
  ns: NS.admin,
  adminPort: true,
  async handle(req, ctx) {
    requireAdmin(ctx);
    const id = req.get('waitSet');
    if (!id) throw faults.noSuchWaitSet('');
    const timeout = req.getInt('timeout');
    const res = await ctx.state.waitSets.wait(id, {
      seq: req.get('seq') ?? '0',
      block: req.getBool('block'),
      timeoutSeconds: timeout !== undefined && Number.isFinite(timeout) ? timeout : undefined,
      add: specs(req, 'add'),
      update: specs(req, 'update'),
      remove: specs(req, 'remove'),
    });
    const r = response(req, NS.admin).attr('waitSet', id);
    if (res.canceled) r.attr('canceled', true);
    r.attr('seq', res.seq);
    for (const a of res.accounts) r.add('a').attr('id', a.id).attr('changeid', a.changeId);
    errors(r, res.errors);
    return r;
  },
};

const destroy: HandlerSpec = {
  name: 'AdminDestroyWaitSetRequest',
  ns: NS.admin,
  adminPort: true,
  handle(req, ctx) {
    requireAdmin(ctx);
    const id = req.get('waitSet') ?? '';
    ctx.state.waitSets.destroy(id);
    return response(req, NS.admin).attr('waitSet', id);
  },
};

/** Admin WaitSet handlers. */
export const adminWaitSetHandlers: HandlerSpec[] = [create, wait, destroy];
