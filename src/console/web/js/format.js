// Display helpers: sizes, times (always shown in UTC with the zone, as the API wants them back).
export function bytes(n) {
  if (n === undefined || n === null) return '';
  if (n < 1024) return n + ' B';
  if (n < 1048576) return (n / 1024).toFixed(1) + ' KB';
  if (n < 1073741824) return (n / 1048576).toFixed(1) + ' MB';
  return (n / 1073741824).toFixed(2) + ' GB';
}

export function time(ms) {
  if (!ms) return '—';
  return new Date(ms).toISOString().replace('T', ' ').slice(0, 19) + 'Z';
}

export function iso(ms) {
  return new Date(ms).toISOString();
}

export function ago(ms, now = Date.now()) {
  if (!ms) return 'never';
  const s = Math.max(0, Math.round((now - ms) / 1000));
  if (s < 120) return s + ' s ago';
  if (s < 7200) return Math.round(s / 60) + ' min ago';
  if (s < 172800) return (s / 3600).toFixed(1) + ' h ago';
  return Math.round(s / 86400) + ' d ago';
}

/** Parses a datetime-local value typed by the user as UTC (the label says so). */
export function fromUtcInput(value) {
  if (!value) return undefined;
  const t = Date.parse(value.length === 16 ? value + ':00Z' : value + 'Z');
  return Number.isNaN(t) ? undefined : t;
}

export function toUtcInput(ms) {
  return new Date(ms).toISOString().slice(0, 19);
}

export const FLAG_NAMES = {
  u: 'unread',
  f: 'flagged',
  a: 'attachment',
  r: 'replied',
  s: 'sent',
  d: 'draft',
  w: 'forwarded',
  '!': 'urgent',
};

export function flags(f) {
  return (f || '')
    .split('')
    .map((c) => FLAG_NAMES[c])
    .filter(Boolean)
    .join(', ');
}
