import { useEffect, useRef, useState } from 'preact/hooks';
import { api } from '../api.js';
import { html } from '../html.js';
import { OpResult } from './op-result.js';

/** Follows one operation over Server-Sent Events; calls onUpdate(record|progress) and resolves at its end. */
export function follow(id, onProgress) {
  return new Promise((resolve) => {
    const es = new EventSource('/api/operations/' + encodeURIComponent(id) + '/events');
    es.addEventListener('state', (e) => {
      const r = JSON.parse(e.data);
      if (r.progress) onProgress(r.progress);
      if (r.status !== 'running') {
        es.close();
        resolve(r);
      }
    });
    es.addEventListener('progress', (e) => onProgress(JSON.parse(e.data)));
    es.addEventListener('end', (e) => {
      es.close();
      resolve(JSON.parse(e.data));
    });
    es.onerror = () => {
      // The stream ended or broke: read the final state once.
      es.close();
      api
        .get('/api/operations/' + encodeURIComponent(id))
        .then(resolve, () => resolve({ status: 'failed', error: { message: 'lost contact with the console' } }));
    };
  });
}

export function Progress({ progress }) {
  if (!progress) return html`<progress aria-label="Progress"></progress>`;
  const pct = progress.total ? Math.min(100, Math.round((progress.loaded / progress.total) * 100)) : undefined;
  return html`<div class="progress">
    <progress aria-label=${'Progress: ' + progress.phase} max="100" value=${pct}></progress>
    <span class="muted" aria-live="polite"
      >${progress.phase}
      ${progress.loaded}${progress.total ? ' / ' + progress.total : ''}${progress.unit ? ' ' + progress.unit : ''}${progress.detail ? ' — ' + progress.detail : ''}</span
    >
  </div>`;
}

/**
 * Preview -> run -> live progress -> result for one operation. `params` holds the operation's
 * inputs; with `preview`, a dry run comes first and the real run needs a second, explicit click.
 */
export function OpFlow({ kind, params, preview = true, runLabel = 'Run', disabled, onDone }) {
  const [phase, setPhase] = useState('idle'); // idle | previewing | previewed | running | done
  const [progress, setProgress] = useState(null);
  const [record, setRecord] = useState(null);
  const [error, setError] = useState('');
  const current = useRef(null);
  useEffect(() => {
    setPhase('idle');
    setRecord(null);
    setError('');
  }, [JSON.stringify(params), kind]);
  const start = async (dryRun) => {
    setError('');
    setProgress(null);
    setPhase(dryRun ? 'previewing' : 'running');
    try {
      const op = await api.post('/api/operations', { kind, ...params, ...(dryRun ? { dryRun: true } : {}) });
      current.current = op.id;
      const end = await follow(op.id, setProgress);
      setRecord(end);
      // a preview in which some items would fail is still a preview: the admin decides whether to run it
      setPhase(dryRun && (end.status === 'succeeded' || end.status === 'partial') ? 'previewed' : 'done');
      if (!dryRun && onDone) onDone(end);
    } catch (err) {
      setError(err.message);
      setPhase('idle');
    }
  };
  const cancel = () =>
    current.current && api.post('/api/operations/' + current.current + '/cancel').catch((e) => setError(e.message));
  return html`<div class="opflow" aria-live="polite">
    ${error && html`<p class="error" role="alert">${error}</p>`}
    ${
      (phase === 'idle' || phase === 'done') &&
      html`<div class="row">
        ${
          preview
            ? html`<button onClick=${() => start(true)} disabled=${disabled}>Preview</button>`
            : html`<button class="primary" onClick=${() => start(false)} disabled=${disabled}>${runLabel}</button>`
        }
      </div>`
    }
    ${
      (phase === 'previewing' || phase === 'running') &&
      html`<div class="row"><${Progress} progress=${progress} /><button onClick=${cancel}>Cancel</button></div>`
    }
    ${
      phase === 'previewed' &&
      html`<div>
        <p><strong>Preview (nothing written yet):</strong></p>
        <${OpResult} record=${record} />
        <div class="row">
          <button class="primary" onClick=${() => start(false)}>${runLabel}</button>
          <button onClick=${() => setPhase('idle')}>Discard</button>
        </div>
      </div>`
    }
    ${phase === 'done' && record && html`<${OpResult} record=${record} />`}
    ${(phase === 'done' || phase === 'previewed') && progress && html`<p class="muted last-progress">Last progress: ${progress.phase} ${progress.loaded}${progress.total ? ' / ' + progress.total : ''}</p>`}
  </div>`;
}
