/**
 * SetAppointmentRequest (urn:zimbraMail; soap-calendar.txt): writes an appointment with its
 * exceptions without sending invites, keeping UID (the restore path).
 * @module
 */
import { attrStr, children, requireStr, type SoapElement } from '../element.js';
import type { SoapRequestDefinition } from './definition.js';
import { encodeTagNames } from '../tag-names.js';

/** One component: the MIME of a `text/calendar` message, uploaded (`uploadId`) or inline (`mimeContent`). */
export interface AppointmentComponent {
  /** Participation status (`ptst`), e.g. `AC`. */
  partStat?: string;
  /** Upload id of a MIME message holding the text/calendar part. */
  uploadId?: string;
  /** Inline raw MIME holding the text/calendar part. */
  mimeContent?: string;
}

/** Params of {@link SetAppointment}. */
export interface SetAppointmentParams {
  /** Calendar folder id. */
  folderId?: string;
  /** Flag letters. */
  flags?: string;
  /** Tag names. */
  tagNames?: string[];
  /** The series (or single instance). */
  default: AppointmentComponent;
  /** Exception instances. */
  exceptions?: AppointmentComponent[];
}

/** Result of {@link SetAppointment}. */
export interface SetAppointmentResult {
  /** The calendar item id. */
  calItemId: string;
  /** The default invite id. */
  defaultId: string | undefined;
  /** Exceptions written: recurrence id and invite id. */
  exceptions: Array<{ recurrenceId: string | undefined; id: string | undefined }>;
}

function component(c: AppointmentComponent): SoapElement {
  const m: SoapElement =
    c.uploadId !== undefined
      ? { aid: c.uploadId }
      : { mp: { ct: 'multipart/mixed', content: { _content: c.mimeContent ?? '' } } };
  return { ...(c.partStat === undefined ? {} : { ptst: c.partStat }), m };
}

/** SetAppointmentRequest. */
export const SetAppointment: SoapRequestDefinition<SetAppointmentParams, SetAppointmentResult> = {
  name: 'SetAppointmentRequest',
  namespace: 'urn:zimbraMail',
  idempotent: false,
  build: (p) => {
    const el: SoapElement = {};
    if (p.folderId !== undefined) el['l'] = p.folderId;
    if (p.flags !== undefined) el['f'] = p.flags;
    if (p.tagNames?.length) el['tn'] = encodeTagNames(p.tagNames);
    el['default'] = component(p.default);
    if (p.exceptions?.length) el['except'] = p.exceptions.map(component);
    return el;
  },
  parse: (r) => ({
    calItemId: requireStr(r, 'calItemId', 'SetAppointmentResponse'),
    defaultId: attrStr(children(r, 'default')[0], 'id'),
    exceptions: children(r, 'except').map((e) => ({ recurrenceId: attrStr(e, 'recurId'), id: attrStr(e, 'id') })),
  }),
};
