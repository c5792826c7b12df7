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

/** One failed item of a result, in words (restore failures and directory outcomes differ in shape). */
function failureText(f) {
  if (typeof f !== 'object' || f === null) return String(f);
  const what = [f.kind, f.name || f.id].filter(Boolean).join(' ');
  const why = [f.code, f.message || f.reason].filter(Boolean).join(': ');
  return `failed: ${what}${why ? ' — ' + why : ''}`;
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
  // Sentences are built as plain strings: htm drops whitespace that contains a line break.
  const folder = r.folder ? ` (folder ${r.folder})` : '';
  let text = '';
  let extra = null;
  switch (record.kind) {
    case 'undelete':
    case 'restore-items':
    case 'restore-account': {
      const planned = r.planned || [];
      if (record.dryRun) {
        text = `would restore ${planned.length} entries into ${r.targetAccount}${folder}`;
        extra =
          planned.length > 0 &&
          html`<ul class="planned">
            ${planned.slice(0, 12).map((p) => html`<li>${`${p.kind} ${p.path || ''}${p.name && p.kind !== 'folder' ? '/' + p.name : ''} #${p.id}`}</li>`)}
            ${planned.length > 12 ? html`<li class="muted">${`… ${planned.length - 12} more`}</li>` : ''}
          </ul>`;
      } else {
        text = `into ${r.targetAccount}${folder}: ${counts(r.counts) || 'nothing to restore'}`;
        if (r.createdAccount)
          text += `; account ${r.createdAccount.name} created (set its password in the Zimbra admin console)`;
      }
      // e.g. the target server has notes disabled: the notes were not (or would not be) restored
      if (r.warnings && r.warnings.length > 0)
        extra = html`${extra || ''}
          <ul class="warnings">
            ${r.warnings.map((w) => html`<li class="warning">${w}</li>`)}
          </ul>`;
      break;
    }
    case 'check':
      text = `${r.full ? 'full' : 'quick'} check: ${r.accounts} accounts, ${r.blobsChecked} blobs (${bytes(r.bytesChecked)}), ${r.errors} errors`;
      extra =
        r.problems &&
        r.problems.length > 0 &&
        html`<ul>
          ${r.problems.slice(0, 20).map((p) => html`<li class=${p.severity}>${`${p.kind}: ${p.message}`}</li>`)}
        </ul>`;
      break;
    case 'purge':
      text = `${r.dryRun ? 'would remove' : 'removed'} ${r.versionsRemoved} versions, ${r.deletesRemoved} deleted items, ${r.blobsRemoved} blobs (${bytes(r.bytesReclaimed)})`;
      break;
    case 'export':
      text = `${r.accounts} accounts, ${bytes(r.bytes)}${r.download ? '' : ` written to ${r.path}`}`;
      extra =
        r.download && html` <a href=${'/api/operations/' + record.id + '/download'} download>Download the archive</a>`;
      break;
    default:
      extra = html`<details>
        <summary>details</summary>
        <pre>${JSON.stringify(r, null, 2)}</pre>
      </details>`;
  }
  // 'partial': the operation ran to its end but some items failed; say which, never only "done"
  const failures = Array.isArray(r.failures) ? r.failures : [];
  const failed =
    failures.length > 0 &&
    html`<ul class="failures">
      ${failures.slice(0, 20).map((f) => html`<li class="error">${failureText(f)}</li>`)}
      ${failures.length > 20 ? html`<li class="muted">${`… ${failures.length - 20} more`}</li>` : ''}
    </ul>`;
  return html`<div class="result">${status} <span>${text}</span>${extra}${failed || ''}</div>`;
}
