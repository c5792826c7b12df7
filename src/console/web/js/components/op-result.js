import { html } from '../html.js';
import { bytes } from '../format.js';

function counts(c) {
  return Object.entries(c || {})
    .filter(([, v]) => v.restored || v.skipped || v.failed)
    .map(
      ([k, v]) =>
        `${k}: ${v.restored} restored${v.skipped ? `, ${v.skipped} skipped` : ''}${v.failed ? `, ${v.failed} failed` : ''}`,
    )
    .join('; ');
}

/** What an operation did (or, for a dry run, would do), in words. */
export function OpResult({ record }) {
  if (!record) return null;
  const r = record.result || {};
  const status = html`<span class=${'st st-' + record.status}>${record.status}</span>`;
  if (record.status === 'failed' || record.status === 'cancelled' || record.status === 'interrupted')
    return html`<p class="result">
      ${status} ${record.error ? html`<code>${record.error.code}</code> ${record.error.message}` : ''}
    </p>`;
  if (record.status === 'running') return html`<p class="result">${status}</p>`;
  let body;
  switch (record.kind) {
    case 'undelete':
    case 'restore-items':
    case 'restore-account':
      body = record.dryRun
        ? html`would restore ${(r.planned || []).length} entries into
            <strong>${r.targetAccount}</strong>${r.folder ? html` (folder <em>${r.folder}</em>)` : ''}
            ${
              (r.planned || []).length > 0 &&
              html`<ul class="planned">
                ${r.planned.slice(0, 12).map((p) => html`<li>${p.kind} ${p.path || ''}${p.name && p.kind !== 'folder' ? '/' + p.name : ''} <span class="muted">#${p.id}</span></li>`)}
                ${r.planned.length > 12 ? html`<li class="muted">… ${r.planned.length - 12} more</li>` : ''}
              </ul>`
            }`
        : html`into <strong>${r.targetAccount}</strong>${r.folder ? html` (folder <em>${r.folder}</em>)` : ''}:
            ${counts(r.counts) || 'nothing to restore'}${r.createdAccount ? html`; account <strong>${r.createdAccount.name}</strong> created (set its password in the Zimbra admin console)` : ''}`;
      break;
    case 'check':
      body = html`${r.full ? 'full' : 'quick'} check: ${r.accounts} accounts, ${r.blobsChecked} blobs
      (${bytes(r.bytesChecked)}), ${r.errors}
      errors${
        r.problems && r.problems.length
          ? html`<ul>
              ${r.problems.slice(0, 20).map((p) => html`<li class=${p.severity}>${p.kind}: ${p.message}</li>`)}
            </ul>`
          : ''
      }`;
      break;
    case 'purge':
      body = html`${r.dryRun ? 'would remove' : 'removed'} ${r.versionsRemoved} versions, ${r.deletesRemoved} deleted
      items, ${r.blobsRemoved} blobs (${bytes(r.bytesReclaimed)})`;
      break;
    case 'export':
      body = html`${r.accounts} accounts,
      ${bytes(r.bytes)}${r.download ? html` — <a href=${'/api/operations/' + record.id + '/download'} download>download the archive</a>` : html` written to <code>${r.path}</code>`}`;
      break;
    default:
      body = html`<details>
        <summary>details</summary>
        <pre>${JSON.stringify(r, null, 2)}</pre>
      </details>`;
  }
  return html`<div class="result">${status} ${body}</div>`;
}
