import { useEffect, useState } from 'preact/hooks';
import { acct, api, qs } from '../api.js';
import { bytes, time } from '../format.js';
import { html } from '../html.js';

/** One item: headers, the sanitized body in a sandboxed frame, attachments and the raw download. */
export function Preview({ account, id, at, onClose }) {
  const [item, setItem] = useState(null);
  const [error, setError] = useState('');
  const base = acct(account) + '/items/' + encodeURIComponent(id);
  const q = qs({ at });
  useEffect(() => {
    setItem(null);
    setError('');
    api.get(base + q).then(setItem, (e) => setError(e.message));
  }, [account, id, at]);
  const r = item && item.record;
  const p = item && item.preview;
  return html`<aside class="preview" aria-label="Preview">
    <div class="row">
      <h2>${p ? p.subject || '(no subject)' : r ? r.name || r.kind + ' ' + r.id : 'Item ' + id}</h2>
      <button class="link" onClick=${onClose} aria-label="Close the preview">✕</button>
    </div>
    ${error && html`<p class="error" role="alert">${error}</p>`}
    ${!item && !error && html`<p aria-busy="true">Loading…</p>`}
    ${
      item &&
      html`<dl class="facts">
          ${
            p &&
            html`<dt>From</dt>
              <dd>${p.from}</dd>
              <dt>To</dt>
              <dd>${p.to}</dd>
              ${
                p.cc &&
                html`<dt>Cc</dt>
                  <dd>${p.cc}</dd>`
              }
              <dt>Date</dt>
              <dd>${p.date ? time(Date.parse(p.date)) : ''}</dd>`
          }
          <dt>Item</dt>
          <dd>
            ${`${r.kind} #${r.id}, ${bytes(r.size)}`}${item.deleted ? html` <span class="tag warn">deleted by then</span>` : ''}
          </dd>
          <dt>Version</dt>
          <dd>captured ${time(r.captureMs)}</dd>
        </dl>
        ${p && p.remoteContentBlocked && html`<p class="muted">Remote images and styles were blocked.</p>`}
        ${p && html`<iframe title="Message body" sandbox="allow-popups allow-popups-to-escape-sandbox" referrerpolicy="no-referrer" src=${base + '/body' + q}></iframe>`}
        ${
          p &&
          p.attachments.length > 0 &&
          html`<h3>Attachments</h3>
            <ul class="plain">
              ${p.attachments.map((a) => html`<li><a href=${base + '/attachments/' + a.index + q} download>${a.filename}</a> <span class="muted">${a.mimeType}, ${bytes(a.size)}</span></li>`)}
            </ul>`
        }
        ${
          !p &&
          r.meta &&
          html`<details open>
            <summary>Fields</summary>
            <pre>${JSON.stringify(r.meta, null, 2)}</pre>
          </details>`
        }
        ${r.digest && html`<p><a href=${base + '/raw' + q} download>Download the original</a></p>`}`
    }
  </aside>`;
}
