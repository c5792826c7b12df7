import { useEffect, useState } from 'preact/hooks';
import { api } from '../api.js';
import { ago, bytes, time } from '../format.js';
import { html } from '../html.js';

function OpLine({ op }) {
  if (!op) return html`<dd>never (from this console)</dd>`;
  return html`<dd>
    <a href=${'#/operations/' + op.id}>${op.summary}</a>: <span class=${'st st-' + op.status}>${op.status}</span>,
    ${time(op.endedMs || op.startedMs)}
  </dd>`;
}

export function Overview() {
  const [data, setData] = useState(null);
  const [error, setError] = useState('');
  useEffect(() => {
    let stop = false;
    const load = () =>
      api.get('/api/overview').then(
        (d) => !stop && (setData(d), setError('')),
        (e) => !stop && setError(e.message),
      );
    load();
    // Live while `watch` runs: lag and running operations refresh every 5 s.
    const t = setInterval(load, 5000);
    return () => {
      stop = true;
      clearInterval(t);
    };
  }, []);
  if (error) return html`<p class="error" role="alert">${error}</p>`;
  if (!data) return html`<p aria-busy="true">Loading the overview…</p>`;
  const s = data.status;
  return html`
    <h1>Overview</h1>
    <section class="cards" aria-label="Repository">
      <div class="card"><span class="k">Accounts</span><span class="v">${s.accounts.length}</span></div>
      <div class="card"><span class="k">Repository size</span><span class="v">${bytes(s.repositoryBytes)}</span></div>
      <div class="card"><span class="k">Mailbox data</span><span class="v">${bytes(s.logicalBytes)}</span></div>
      <div class="card"><span class="k">Dedup ratio</span><span class="v">${s.dedupRatio.toFixed(2)}×</span></div>
      <div class="card"><span class="k">Compression</span><span class="v">${s.compressionRatio.toFixed(2)}×</span></div>
      <div class="card"><span class="k">Blobs</span><span class="v">${s.blobs}</span></div>
    </section>
    ${
      data.warnings.length > 0 &&
      html`<section aria-label="Warnings" class="warnings">
        <h2>Warnings</h2>
        <ul>
          ${data.warnings.map((w) => html`<li class=${w.level}>${w.message}</li>`)}
        </ul>
      </section>`
    }
    <section aria-label="Maintenance">
      <dl class="facts">
        <dt>Last check</dt>
        <${OpLine} op=${data.lastCheck} />
        <dt>Last purge</dt>
        <${OpLine} op=${data.lastPurge} />
        <dt>Writers</dt>
        <dd>
          ${
            data.locks.length === 0
              ? 'none (no backup, capture or purge holds the repository)'
              : data.locks.map(
                  (l) =>
                    html`<span>${l.owner} on ${l.host} since ${time(l.createdMs)}${l.stale ? ' (stale)' : ''} </span>`,
                )
          }
        </dd>
      </dl>
    </section>
    ${
      data.running.length > 0 &&
      html`<section aria-label="Running operations">
        <h2>Running</h2>
        <ul>
          ${data.running.map(
            (op) =>
              html`<li>
                <a href=${'#/operations/' + op.id}>${op.summary}</a> by ${op.user}
                ${op.progress ? html` — ${op.progress.phase} ${op.progress.loaded}${op.progress.total ? '/' + op.progress.total : ''}` : ''}
              </li>`,
          )}
        </ul>
      </section>`
    }
    <h2>Accounts</h2>
    <div class="scroll">
      <table class="grid" aria-label="Accounts">
        <thead>
          <tr>
            <th scope="col">Account</th>
            <th scope="col" class="num">Items</th>
            <th scope="col">Last capture</th>
            <th scope="col">Lag</th>
            <th scope="col" class="num">Failing</th>
            <th scope="col">State</th>
          </tr>
        </thead>
        <tbody>
          ${s.accounts.map(
            (a) =>
              html`<tr>
                <td><a href=${'#/account/' + encodeURIComponent(a.name)}>${a.name}</a></td>
                <td class="num">${a.items}</td>
                <td>${time(a.lastCommitMs)}</td>
                <td>${ago(a.lastCommitMs, data.now)}</td>
                <td class="num">${a.failingItems || ''}</td>
                <td>
                  ${a.deletedMs ? html`<span class="tag warn">deleted on server</span>` : html`<span class="tag ok">active</span>`}
                </td>
              </tr>`,
          )}
        </tbody>
      </table>
    </div>
  `;
}
