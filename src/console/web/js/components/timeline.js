import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import { html } from '../html.js';

/**
 * Changes and deletions per bucket as bars. Dragging across the chart selects a window
 * (onSelect(fromMs, toMs)); a click picks an instant (onPick(ms)).
 */
export function Timeline({ data, onSelect, onPick }) {
  const box = useRef(null);
  const plot = useRef(null);
  useEffect(() => {
    if (!data || !box.current) return;
    const xs = data.buckets.map((b) => b.startMs / 1000);
    const width = (data.bucket === 'day' ? 86400 : 3600) * 1000;
    // Each bar covers its bucket [start, start + width): aligned right of its x value, and the
    // x scale extends one bucket past the last so the newest bar can be selected whole.
    const bars = uPlot.paths.bars({ size: [0.9, 60], align: 1 });
    // Deletions are drawn as a narrower bar inside the bucket's change bar, so both stay visible.
    const thin = uPlot.paths.bars({ size: [0.4, 24], align: 1 });
    const opts = {
      width: Math.max(280, box.current.clientWidth),
      height: 160,
      // Times are UTC throughout the console (the inputs and the API want zoned times).
      tzDate: (ts) => uPlot.tzDate(new Date(ts * 1000), 'Etc/UTC'),
      scales: { x: { time: true, range: (u, min, max) => [min, max + width / 1000] }, n: {}, d: {} },
      legend: { show: true, live: false },
      cursor: { drag: { x: true, y: false, setScale: false } },
      series: [
        {
          label: 'time (UTC)',
          value: (u, v) => (v == null ? '' : new Date(v * 1000).toISOString().slice(0, 16) + 'Z'),
        },
        {
          label: 'changes',
          scale: 'n',
          stroke: '#2563eb',
          fill: 'rgba(37,99,235,0.35)',
          paths: bars,
          points: { show: false },
        },
        // Deletions have their own scale (right axis): one deletion must show beside thousands of changes.
        {
          label: 'deletions',
          scale: 'd',
          stroke: '#dc2626',
          fill: 'rgba(220,38,38,0.7)',
          paths: thin,
          points: { show: false },
        },
      ],
      axes: [{}, { scale: 'n', size: 40 }, { scale: 'd', side: 1, size: 40, stroke: '#dc2626', grid: { show: false } }],
      hooks: {
        setSelect: [
          (u) => {
            if (u.select.width < 2) return;
            const from = u.posToVal(u.select.left, 'x') * 1000;
            const to = u.posToVal(u.select.left + u.select.width, 'x') * 1000;
            // Snap to bucket edges so a selected bar is wholly inside the window.
            onSelect?.(Math.floor(from / width) * width, Math.ceil(to / width) * width);
          },
        ],
      },
    };
    const u = new uPlot(
      opts,
      [xs, data.buckets.map((b) => b.changes), data.buckets.map((b) => b.deletions)],
      box.current,
    );
    plot.current = u;
    const click = () => {
      if (u.select.width >= 2 || u.cursor.left == null || u.cursor.left < 0) return;
      onPick?.(Math.round(u.posToVal(u.cursor.left, 'x') * 1000));
    };
    u.over.addEventListener('click', click);
    const resize = () => u.setSize({ width: Math.max(280, box.current.clientWidth), height: 160 });
    window.addEventListener('resize', resize);
    return () => {
      window.removeEventListener('resize', resize);
      u.destroy();
    };
  }, [data]);
  const total = data ? data.buckets.reduce((a, b) => [a[0] + b.changes, a[1] + b.deletions], [0, 0]) : [0, 0];
  return html`<figure class="timeline">
    <div
      ref=${box}
      class="chart"
      role="img"
      aria-label=${`Timeline per ${data ? data.bucket : 'hour'}: ${total[0]} changes and ${total[1]} deletions. Drag across it to choose a deletion window.`}
    ></div>
    <figcaption class="muted">
      Drag across the chart to choose a window; click to view the mailbox at that instant.
    </figcaption>
  </figure>`;
}
