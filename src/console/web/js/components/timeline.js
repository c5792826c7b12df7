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
    const bars = uPlot.paths.bars({ size: [0.7, 40] });
    const opts = {
      width: Math.max(280, box.current.clientWidth),
      height: 160,
      scales: { x: { time: true } },
      legend: { show: true, live: false },
      cursor: { drag: { x: true, y: false, setScale: false } },
      series: [
        {
          label: 'time (UTC)',
          value: (u, v) => (v == null ? '' : new Date(v * 1000).toISOString().slice(0, 16) + 'Z'),
        },
        { label: 'changes', stroke: '#2563eb', fill: 'rgba(37,99,235,0.35)', paths: bars, points: { show: false } },
        { label: 'deletions', stroke: '#dc2626', fill: 'rgba(220,38,38,0.55)', paths: bars, points: { show: false } },
      ],
      axes: [{}, { size: 40 }],
      hooks: {
        setSelect: [
          (u) => {
            if (u.select.width < 2) return;
            const from = u.posToVal(u.select.left, 'x') * 1000;
            const to = u.posToVal(u.select.left + u.select.width, 'x') * 1000;
            // Snap to bucket edges so a selected bar is wholly inside the window.
            onSelect && onSelect(Math.floor(from / width) * width, Math.ceil(to / width) * width);
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
      onPick && onPick(Math.round(u.posToVal(u.cursor.left, 'x') * 1000));
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
