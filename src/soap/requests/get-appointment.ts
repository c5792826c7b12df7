/**
 * GetAppointmentRequest (urn:zimbraMail). For a lossless backup prefer the REST ICS or the raw
 * blob; this gives the item's metadata and its invites as raw elements.
 * @module
 */
import { attrBool, attrStr, children, type SoapElement } from '../element.js';
import type { SoapRequestDefinition } from './definition.js';
import { parseItem, type ItemSummary } from './items.js';

/** Params of {@link GetAppointment}: `id` or `uid`. */
export interface GetAppointmentParams {
  /** Appointment item id. */
  id?: string;
  /** iCalendar UID. */
  uid?: string;
  /** Return sync fields (`sync=1`). Default true. */
  sync?: boolean;
  /** Include the MIME content of invites. */
  includeContent?: boolean;
}

/** An appointment (or task) with its invites. */
export interface AppointmentInfo extends ItemSummary {
  /** iCalendar UID. */
  uid?: string;
  /** True when the organizer's copy is missing (`orphan`). */
  orphan: boolean;
  /** The `inv` elements (per component and exception), raw neutral model. */
  invites: SoapElement[];
}

/** Result of {@link GetAppointment}. */
export interface GetAppointmentResult {
  /** The appointment. */
  appointment: AppointmentInfo;
}

/** GetAppointmentRequest. */
export const GetAppointment: SoapRequestDefinition<GetAppointmentParams, GetAppointmentResult> = {
  name: 'GetAppointmentRequest',
  namespace: 'urn:zimbraMail',
  build: (p) => ({
    ...(p.id === undefined ? {} : { id: p.id }),
    ...(p.uid === undefined ? {} : { uid: p.uid }),
    sync: p.sync === false ? 0 : 1,
    ...(p.includeContent ? { includeContent: 1 } : {}),
  }),
  parse: (r) => {
    const el = children(r, 'appt')[0] ?? children(r, 'task')[0] ?? {};
    const uid = attrStr(el, 'uid');
    const appointment: AppointmentInfo = {
      ...parseItem(el, 'appointment'),
      orphan: attrBool(el, 'orphan') === true,
      invites: children(el, 'inv'),
    };
    if (uid !== undefined) appointment.uid = uid;
    return { appointment };
  },
};
