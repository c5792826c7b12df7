/**
 * Fingerprints used to recognise content already present in a target folder.
 * @module
 */

/** Fields the server sets on its own (so a restored contact differs in them from its source). */
const SERVER_CONTACT_FIELDS = new Set(['fileAs', 'fileAsStr', 'modifiedDate', 'createdDate']);

/** A canonical fingerprint of contact fields: sorted names, multi-values joined, server fields ignored. */
export function contactKey(fields: Record<string, string | string[] | undefined>): string {
  const out: Array<[string, string]> = [];
  for (const k of Object.keys(fields).sort()) {
    if (SERVER_CONTACT_FIELDS.has(k)) continue;
    const v = fields[k];
    if (v === undefined) continue;
    out.push([k, Array.isArray(v) ? v.join('\u0000') : v]);
  }
  return JSON.stringify(out);
}

/** A content type for a document name (Briefcase files keep none in the journal). */
export function contentTypeOf(name: string): string {
  const ext = /\.([a-z0-9]+)$/i.exec(name)?.[1]?.toLowerCase() ?? '';
  const types: Record<string, string> = {
    txt: 'text/plain',
    html: 'text/html',
    htm: 'text/html',
    csv: 'text/csv',
    pdf: 'application/pdf',
    png: 'image/png',
    jpg: 'image/jpeg',
    jpeg: 'image/jpeg',
    gif: 'image/gif',
    json: 'application/json',
    doc: 'application/msword',
    docx: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
    xls: 'application/vnd.ms-excel',
    xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
    zip: 'application/zip',
    ics: 'text/calendar',
    vcf: 'text/vcard',
    md: 'text/markdown',
  };
  return types[ext] ?? 'application/octet-stream';
}
