/**
 * Splits a stored iCalendar object into what SetAppointmentRequest/SetTaskRequest take: the
 * series as `default` and each overridden instance (a component with RECURRENCE-ID) as its own
 * `except` calendar. Zimbra builds the default invite from the first component of the default
 * calendar only (SetCalendarItem: `Invite.createFromCalendar(...).get(0)`), so exceptions sent
 * inside it would be dropped.
 * @module
 */

/** The parts of one calendar item. */
export interface CalendarParts {
  /** The calendar for `default`: the original text when the series comes first, else reordered so it does. */
  default: string;
  /** One calendar per overridden instance (time zones + that component). */
  exceptions: string[];
}

interface Block {
  lines: string[];
  override: boolean;
}

/** Splits `text` (a VCALENDAR); text without overrides comes back unchanged as `default`. */
export function splitCalendar(text: string): CalendarParts {
  const lines = text.split(/\r?\n/);
  const header: string[] = [];
  const zones: string[][] = [];
  const items: Block[] = [];
  let current: string[] | undefined;
  let kind: 'zone' | 'item' | undefined;
  let depth = 0;
  let override = false;
  for (const line of lines) {
    const upper = line.toUpperCase();
    if (depth === 0) {
      if (upper.startsWith('BEGIN:VCALENDAR')) depth = 1;
      continue;
    }
    if (depth === 1) {
      if (upper.startsWith('END:VCALENDAR')) break;
      if (upper.startsWith('BEGIN:')) {
        current = [line];
        kind = upper.startsWith('BEGIN:VTIMEZONE') ? 'zone' : 'item';
        override = false;
        depth = 2;
      } else header.push(line);
      continue;
    }
    current!.push(line);
    if (upper.startsWith('BEGIN:')) depth++;
    else if (upper.startsWith('END:')) depth--;
    else if (depth === 2 && upper.startsWith('RECURRENCE-ID')) override = true;
    if (depth === 1) {
      if (kind === 'zone') zones.push(current!);
      else items.push({ lines: current!, override });
      current = undefined;
    }
  }
  const overrides = items.filter((b) => b.override);
  if (overrides.length === 0) return { default: text, exceptions: [] };
  const calendar = (blocks: string[][]): string =>
    ['BEGIN:VCALENDAR', ...header, ...zones.flat(), ...blocks.flat(), 'END:VCALENDAR', ''].join('\r\n');
  const exceptions = overrides.map((b) => calendar([b.lines]));
  const firstIsSeries = items[0] !== undefined && !items[0].override;
  const series = items.filter((b) => !b.override);
  return { default: firstIsSeries ? text : calendar([...series, ...overrides].map((b) => b.lines)), exceptions };
}
