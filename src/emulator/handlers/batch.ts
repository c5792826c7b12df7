/**
 * BatchRequest (urn:zimbra): members run in order, each response carries the member's
 * `requestId`, a failing member becomes a `Fault` element (HTTP stays 200), and
 * `onerror="stop"` ends the batch at the first fault. PROTOCOL.md section 0.
 */
import { faultElement } from '../wire/json-codec.js';
import { SoapFault, faults } from '../wire/soap-fault.js';
import { NS, response, type HandlerSpec } from './context.js';

/** A fault trace in Zimbra's `thread:time:id` shape. */
export function faultTrace(): string {
  return `qtp-emulator-${process.pid}:${Date.now()}:${Math.random().toString(16).slice(2, 18)}`;
}

const batch: HandlerSpec = {
  name: 'BatchRequest',
  ns: NS.zimbra,
  async handle(req, ctx) {
    const stop = req.get('onerror') === 'stop';
    const r = response(req, NS.zimbra);
    for (const member of req.children) {
      const requestId = member.get('requestId');
      try {
        const res = await ctx.dispatch(member);
        if (requestId !== undefined) res.attr('requestId', requestId);
        r.append(res);
      } catch (err) {
        const fault = err instanceof SoapFault ? err : faults.failure((err as Error).message);
        const f = faultElement(fault, faultTrace());
        f.unique = false;
        if (requestId !== undefined) f.attr('requestId', requestId);
        r.append(f);
        if (stop) break;
      }
    }
    return r;
  },
};

/** Batch handler. */
export const batchHandlers: HandlerSpec[] = [batch];
