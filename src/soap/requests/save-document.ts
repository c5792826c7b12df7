/**
 * SaveDocumentRequest (a Briefcase file from an upload) and SetTaskRequest (SetAppointment's
 * twin for tasks: same body, other names), the writers a restore needs for documents and tasks.
 * @module
 */
import { children, requireStr, type SoapElement } from '../element.js';
import type { SoapRequestDefinition } from './definition.js';
import { SetAppointment, type SetAppointmentParams, type SetAppointmentResult } from './set-appointment.js';

/** Params of {@link SaveDocument}. */
export interface SaveDocumentParams {
  /** Briefcase folder id. */
  folderId: string;
  /** Document name. */
  name: string;
  /** Content type. */
  contentType: string;
  /** Upload id (aid) of the bytes. */
  uploadId: string;
}

/** SaveDocumentRequest (urn:zimbraMail; soap.txt): creates a Briefcase document from an upload; resolves to its id. */
export const SaveDocument: SoapRequestDefinition<SaveDocumentParams, { id: string }> = {
  name: 'SaveDocumentRequest',
  namespace: 'urn:zimbraMail',
  idempotent: false,
  build: (p) => ({
    doc: { l: p.folderId, name: p.name, ct: p.contentType, upload: { id: p.uploadId } } as SoapElement,
  }),
  parse: (r) => ({ id: requireStr(children(r, 'doc')[0] ?? {}, 'id', 'SaveDocumentResponse') }),
};

/** SetTaskRequest: SetAppointmentRequest's twin for tasks (soap-calendar.txt). */
export const SetTask: SoapRequestDefinition<SetAppointmentParams, SetAppointmentResult> = {
  ...SetAppointment,
  name: 'SetTaskRequest',
};
