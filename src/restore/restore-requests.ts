/**
 * Request definitions the restore needs that src/soap/requests/ does not have yet
 * (SaveDocumentRequest, SetTaskRequest). They belong in src/soap/requests/ (one file each);
 * kept here until the lead moves them.
 * @module
 */
import { children, requireStr, type SoapElement } from '../soap/element.js';
import type { SoapRequestDefinition } from '../soap/requests/definition.js';
import { SetAppointment, type SetAppointmentParams, type SetAppointmentResult } from '../soap/requests/set-appointment.js';

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
  build: (p) => ({ doc: { l: p.folderId, name: p.name, ct: p.contentType, upload: { id: p.uploadId } } as SoapElement }),
  parse: (r) => ({ id: requireStr(children(r, 'doc')[0] ?? {}, 'id', 'SaveDocumentResponse') }),
};

/** SetTaskRequest: SetAppointmentRequest's twin for tasks (soap-calendar.txt). */
export const SetTask: SoapRequestDefinition<SetAppointmentParams, SetAppointmentResult> = {
  ...SetAppointment,
  name: 'SetTaskRequest',
};
