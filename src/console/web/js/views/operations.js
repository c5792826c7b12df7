import { useEffect, useState } from 'preact/hooks';
import { api } from '../api.js';
import { fromUtcInput, iso, time } from '../format.js';
import { html } from '../html.js';
import { follow, OpFlow, Progress } from '../components/op-flow.js';
import { OpResult } from '../components/op-result.js';

function CheckForm() {
  const [mode, setMode] = useState('quick');
  return html`<fieldset>
    <legend>Check the repository</legend>
    <label
      >Mode
      <select value=${mode} onChange=${(e) => setMode(e.target.value)}>
        <option value="quick">quick: every referenced blob exists with its size</option>
        <option value="full">full: re-hash every blob</option>
        <option value="repair">repair: full, quarantine damage, schedule refetches</option>
      </select>
    </label>
    <${OpFlow} kind="check" params=${{ mode }} preview=${false} runLabel=${'Run ' + mode + ' check'} />
  </fieldset>`;
}

function PurgeForm() {
  const [retention, setRetention] = useState('30d');
  return html`<fieldset>
    <legend>Purge</legend>
    <label
      >Keep history for
      <input value=${retention} onInput=${(e) => setRetention(e.target.value)} size="6" aria-describedby="ret-help"
    /></label>
    <small id="ret-help">such as 30d, 12h or 4w; older versions and deleted items go, then unreferenced blobs</small>
    <${OpFlow} kind="purge" params=${{ retention }} runLabel="Purge" />
  </fieldset>`;
}

function ExportForm({ session }) {
  const [accounts, setAccounts] = useState('');
  const [at, setAt] = useState('');
  const [path, setPath] = useState('');
  const list = accounts
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const atMs = fromUtcInput(at);
  const params = {
    ...(list.length ? { accounts: list } : {}),
    ...(atMs ? { at: iso(atMs) } : {}),
    ...(path ? { path } : {}),
  };
  return html`<fieldset>
    <legend>Export</legend>
    <label
      >Accounts (comma-separated, empty for all)<input value=${accounts} onInput=${(e) => setAccounts(e.target.value)}
    /></label>
    <label
      >As at (UTC, empty for now)<input
        type="datetime-local"
        step="1"
        value=${at}
        onInput=${(e) => setAt(e.target.value)}
    /></label>
    ${session.filesRoot && html`<label>Server path (inside the files folder; empty to download)<input value=${path} onInput=${(e) => setPath(e.target.value)} /></label>`}
    <${OpFlow} kind="export" params=${params} preview=${false} runLabel="Export" />
  </fieldset>`;
}

function ImportForm({ session }) {
  const [path, setPath] = useState('');
  if (!session.filesRoot || !session.serverConfigured)
    return html`<fieldset>
      <legend>Import</legend>
      <p class="muted">Import needs a Zimbra server (--server) and a files folder (--files-dir).</p>
    </fieldset>`;
  return html`<fieldset>
    <legend>Import an export archive</legend>
    <label
      >Archive path (inside the files folder)<input value=${path} onInput=${(e) => setPath(e.target.value)}
    /></label>
    <${OpFlow} kind="import" params=${{ path }} preview=${false} runLabel="Import" disabled=${!path} />
  </fieldset>`;
}

function DirectoryForm({ session }) {
  const [domain, setDomain] = useState('');
  const [accounts, setAccounts] = useState('');
  const list = accounts
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (!session.serverConfigured) return null;
  return html`<fieldset>
    <legend>Restore directory objects</legend>
    <label>Domain (optional)<input value=${domain} onInput=${(e) => setDomain(e.target.value)} /></label>
    <label
      >Accounts (optional, comma-separated)<input value=${accounts} onInput=${(e) => setAccounts(e.target.value)}
    /></label>
    <${OpFlow}
      kind="restore-directory"
      params=${{ ...(domain ? { domain } : {}), ...(list.length ? { accounts: list } : {}) }}
      runLabel="Restore directory objects"
    />
  </fieldset>`;
}

function CaptureForm({ ops, session }) {
  const running = ops.find((o) => o.kind === 'capture' && o.status === 'running');
  if (!session.serverConfigured) return null;
  const start = () =>
    api.post('/api/operations', { kind: 'capture' }).then(
      () => location.reload(),
      (e) => alert(e.message),
    );
  const stop = () => api.post('/api/operations/' + running.id + '/cancel').catch((e) => alert(e.message));
  return html`<fieldset>
    <legend>Real-time capture</legend>
    ${
      running
        ? html`<p>
            Capturing since ${time(running.startedMs)} (started by ${running.user}).
            <button onClick=${stop}>Stop capture</button>
          </p>`
        : html`<p>Not capturing from this console. <button class="primary" onClick=${start}>Start capture</button></p>`
    }
  </fieldset>`;
}

function Detail({ id }) {
  const [rec, setRec] = useState(null);
  const [progress, setProgress] = useState(null);
  const [error, setError] = useState('');
  useEffect(() => {
    let live = true;
    api.get('/api/operations/' + encodeURIComponent(id)).then(
      (r) => {
        if (!live) return;
        setRec(r);
        if (r.status === 'running') follow(id, (p) => live && setProgress(p)).then((end) => live && setRec(end));
      },
      (e) => setError(e.message),
    );
    return () => (live = false);
  }, [id]);
  if (error) return html`<p class="error" role="alert">${error}</p>`;
  if (!rec) return html`<p aria-busy="true">Loading…</p>`;
  return html`<section class="detail" aria-label="Operation">
    <h2>${rec.summary}</h2>
    <dl class="facts">
      <dt>Who</dt>
      <dd>${rec.user}</dd>
      <dt>Started</dt>
      <dd>${time(rec.startedMs)}</dd>
      <dt>Ended</dt>
      <dd>${rec.endedMs ? time(rec.endedMs) : '—'}</dd>
      <dt>Parameters</dt>
      <dd><code>${JSON.stringify(rec.params)}</code></dd>
    </dl>
    ${
      rec.status === 'running' &&
      html`<div class="row">
        <${Progress} progress=${progress || rec.progress} />
        <button onClick=${() => api.post('/api/operations/' + rec.id + '/cancel').catch((e) => setError(e.message))}>
          Cancel
        </button>
      </div>`
    }
    <${OpResult} record=${rec} />
  </section>`;
}

export function OperationsView({ id, session }) {
  const [ops, setOps] = useState([]);
  useEffect(() => {
    const load = () =>
      api.get('/api/operations').then(
        (r) => setOps(r.operations),
        () => {},
      );
    load();
    const t = setInterval(load, 3000);
    return () => clearInterval(t);
  }, []);
  return html`
    <h1>Operations</h1>
    ${id && html`<${Detail} id=${id} />`}
    <div class="forms">
      <${CheckForm} />
      <${PurgeForm} />
      <${ExportForm} session=${session} />
      <${ImportForm} session=${session} />
      <${DirectoryForm} session=${session} />
      <${CaptureForm} ops=${ops} session=${session} />
    </div>
    <h2>History</h2>
    <div class="scroll">
      <table class="grid" aria-label="Operation history">
        <thead>
          <tr>
            <th scope="col">When</th>
            <th scope="col">Who</th>
            <th scope="col">What</th>
            <th scope="col">Outcome</th>
          </tr>
        </thead>
        <tbody>
          ${ops.map(
            (o) =>
              html`<tr>
                <td>${time(o.startedMs)}</td>
                <td>${o.user}</td>
                <td>
                  <a href=${'#/operations/' + o.id}>${o.summary}</a
                  >${o.dryRun ? html` <span class="tag">preview</span>` : ''}
                </td>
                <td><span class=${'st st-' + o.status}>${o.status}</span></td>
              </tr>`,
          )}
        </tbody>
      </table>
    </div>
  `;
}
