import { describe, expect, it } from 'vitest';
import { buildCorpus } from '../../../src/emulator/seed/index.js';
import { foldLine } from '../../../src/emulator/seed/calendar.js';

interface Component {
  name: string;
  props: Array<{ name: string; params: Record<string, string>; value: string }>;
  children: Component[];
}

/** A strict little RFC 5545 reader: CRLF lines, unfolding, BEGIN/END nesting, NAME;PARAM=V:VALUE. */
function parseIcs(text: string): Component {
  expect(text.endsWith('\r\n')).toBe(true);
  expect(text.replace(/\r\n/g, '')).not.toMatch(/[\r\n]/);
  const physical = text.slice(0, -2).split('\r\n');
  for (const l of physical) expect(Buffer.byteLength(l)).toBeLessThanOrEqual(75);
  const lines: string[] = [];
  for (const l of physical) {
    if (l.startsWith(' ')) lines[lines.length - 1] += l.slice(1);
    else lines.push(l);
  }
  const stack: Component[] = [];
  let root: Component | undefined;
  for (const line of lines) {
    const m = /^([A-Z0-9-]+)((?:;[A-Z0-9-]+=(?:"[^"]*"|[^;:"]*))*):(.*)$/.exec(line);
    if (m === null) throw new Error(`not a content line: ${line}`);
    const [, name, paramText, value] = m as unknown as [string, string, string, string];
    const params: Record<string, string> = {};
    for (const p of paramText.match(/;[A-Z0-9-]+=(?:"[^"]*"|[^;:"]*)/g) ?? []) {
      const eq = p.indexOf('=');
      params[p.slice(1, eq)] = p.slice(eq + 1).replace(/^"|"$/g, '');
    }
    if (name === 'BEGIN') {
      const c: Component = { name: value, props: [], children: [] };
      stack.at(-1)?.children.push(c);
      stack.push(c);
    } else if (name === 'END') {
      const c = stack.pop();
      expect(c?.name).toBe(value);
      if (stack.length === 0) root = c;
    } else {
      expect(stack.length).toBeGreaterThan(0);
      stack.at(-1)!.props.push({ name, params, value });
    }
  }
  expect(stack).toHaveLength(0);
  return root!;
}

const prop = (c: Component, name: string) => c.props.find((p) => p.name === name);

describe('calendar items', () => {
  const corpus = buildCorpus({ seed: 21, accounts: 3, messagesPerAccount: 0, calendarPerAccount: 16 });
  const items = corpus.accounts.flatMap((a) => a.calendar);

  it('parse as iCalendar with the item UID on every component, and reference only defined time zones', () => {
    expect(new Set(items.map((i) => i.uid)).size).toBe(items.length);
    for (const item of items) {
      const cal = parseIcs(item.ics);
      expect(cal.name).toBe('VCALENDAR');
      expect(prop(cal, 'VERSION')?.value).toBe('2.0');
      expect(prop(cal, 'PRODID')).toBeDefined();
      const zones = new Set(cal.children.filter((c) => c.name === 'VTIMEZONE').map((z) => prop(z, 'TZID')?.value));
      const comps = cal.children.filter((c) => c.name === (item.kind === 'task' ? 'VTODO' : 'VEVENT'));
      expect(comps.length).toBeGreaterThanOrEqual(1);
      for (const c of comps) {
        expect(prop(c, 'UID')?.value).toBe(item.uid);
        expect(prop(c, 'DTSTAMP')?.value).toMatch(/^\d{8}T\d{6}Z$/);
        for (const p of c.props) if (p.params['TZID'] !== undefined) expect(zones.has(p.params['TZID'])).toBe(true);
        if (item.kind === 'appointment') {
          const start = prop(c, 'DTSTART');
          expect(start?.value).toMatch(/^\d{8}(T\d{6}Z?)?$/);
          expect(prop(c, 'DTEND')).toBeDefined();
        }
      }
      expect(item.kind === 'task' ? ['/Tasks'] : ['/Calendar', '/Calendar/Team']).toContain(item.folderPath);
    }
  });

  it('cover recurrence with EXDATE, RECURRENCE-ID exceptions, attendees, TZID and UTC times, all-day events and tasks', () => {
    const cals = items.map((i) => ({ item: i, cal: parseIcs(i.ics) }));
    const events = cals.flatMap(({ cal }) => cal.children.filter((c) => c.name === 'VEVENT'));
    expect(events.some((e) => prop(e, 'RRULE') !== undefined && prop(e, 'EXDATE') !== undefined)).toBe(true);
    expect(events.some((e) => prop(e, 'RECURRENCE-ID') !== undefined)).toBe(true);
    expect(
      events.some((e) =>
        e.props.some((p) => p.name === 'ATTENDEE' && /^mailto:/.test(p.value) && p.params['PARTSTAT'] !== undefined),
      ),
    ).toBe(true);
    expect(events.some((e) => prop(e, 'DTSTART')?.params['TZID'] !== undefined)).toBe(true);
    expect(events.some((e) => /Z$/.test(prop(e, 'DTSTART')?.value ?? ''))).toBe(true);
    expect(events.some((e) => prop(e, 'DTSTART')?.params['VALUE'] === 'DATE')).toBe(true);
    const tasks = cals.filter(({ item }) => item.kind === 'task');
    expect(tasks.length).toBeGreaterThanOrEqual(3);
    expect(
      tasks.some(({ cal }) => cal.children.some((c) => c.name === 'VTODO' && prop(c, 'STATUS')?.value === 'COMPLETED')),
    ).toBe(true);
    // Every exception belongs to a series of the same UID in the same object.
    for (const { cal } of cals) {
      const evs = cal.children.filter((c) => c.name === 'VEVENT');
      if (evs.some((e) => prop(e, 'RECURRENCE-ID'))) expect(evs.some((e) => prop(e, 'RRULE'))).toBe(true);
    }
  });
});

describe('foldLine', () => {
  it('folds at 75 octets without splitting UTF-8 sequences, and unfolds back to the original', () => {
    const line = `DESCRIPTION:${'Zoë & Søren: ünïcödé '.repeat(12)}`;
    const folded = foldLine(line);
    for (const l of folded.split('\r\n')) expect(Buffer.byteLength(l)).toBeLessThanOrEqual(75);
    expect(folded.replace(/\r\n /g, '')).toBe(line);
    expect(folded).not.toContain('\ufffd');
    expect(foldLine('SHORT:x')).toBe('SHORT:x');
  });
});
