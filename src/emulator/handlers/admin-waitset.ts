/**
 * AdminCreateWaitSetRequest, AdminWaitSetRequest, AdminDestroyWaitSetRequest
 * (store/.../service/mail/CreateWaitSet.java, WaitSetRequest.java; soap/.../base/WaitSetResp.java):
 * `seq` as a string, `<a id changeid>`, `canceled="1"` without `seq`, and `<error id type>`: the
 * JAXB class IdAndType names the attribute `type` (store/docs/soap-waitset.txt says `t`).
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
  for (const e of list) r.add('error').attr('id', e.id).attr('type', e.type);
}

const create: HandlerSpec = {
  name: 'AdminCreateWaitSetRequest',
  ns: NS.admin,
  adminPort: true,
  handle(req, ctx) {
    requireAdmin(ctx);
    // absent defTypes is no interest at all (CreateWaitSet.java); the echo is interestToStr's "f,m,c,..."
    const created = ctx.state.waitSets.create(req.get('defTypes'), req.getBool('allAccounts'), specs(req, 'add'));
    const r = response(req, NS.admin).attr('waitSet', created.id).attr('defTypes', created.defTypes).attr('seq', '0');
    const errs = created.errors;
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
      defTypes: req.get('defTypes'),
      add: specs(req, 'add'),
      update: specs(req, 'update'),
      remove: specs(req, 'remove'),
    });
    const r = response(req, NS.admin).attr('waitSet', id);
    if (res.canceled) r.attr('canceled', true);
    if (res.seq !== undefined) r.attr('seq', res.seq);
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
