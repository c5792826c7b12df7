/**
 * Seed appointments and tasks as whole iCalendar objects (RFC 5545): time zones, recurrence with EXDATE and
 * RECURRENCE-ID exceptions, attendees, alarms and VTODO tasks, which are what a lossless backup must carry.
 * @module
 */
import type { CorpusCalendarItem } from './corpus-types.js';
import type { Rng } from './prng.js';
import { shortTitle, sentence, type Person } from './vocabulary.js';

const DAY = 86_400_000;

/** VTIMEZONE definitions of the zones the corpus uses (current rules, from 1601 as Outlook and Zimbra write them). */
const VTIMEZONES: Record<string, string[]> = {
  'Europe/Berlin': [
    'BEGIN:VTIMEZONE',
    'TZID:Europe/Berlin',
    'BEGIN:STANDARD',
    'DTSTART:16010101T030000',
    'TZOFFSETFROM:+0200',
    'TZOFFSETTO:+0100',
    'RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU',
    'TZNAME:CET',
    'END:STANDARD',
    'BEGIN:DAYLIGHT',
    'DTSTART:16010101T020000',
    'TZOFFSETFROM:+0100',
    'TZOFFSETTO:+0200',
    'RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU',
    'TZNAME:CEST',
    'END:DAYLIGHT',
    'END:VTIMEZONE',
  ],
  'America/New_York': [
    'BEGIN:VTIMEZONE',
    'TZID:America/New_York',
    'BEGIN:STANDARD',
    'DTSTART:16010101T020000',
    'TZOFFSETFROM:-0400',
    'TZOFFSETTO:-0500',
    'RRULE:FREQ=YEARLY;BYMONTH=11;BYDAY=1SU',
    'TZNAME:EST',
    'END:STANDARD',
    'BEGIN:DAYLIGHT',
    'DTSTART:16010101T020000',
    'TZOFFSETFROM:-0500',
    'TZOFFSETTO:-0400',
    'RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=2SU',
    'TZNAME:EDT',
    'END:DAYLIGHT',
    'END:VTIMEZONE',
  ],
};

/** The item shapes, cycled so even a handful of items per account covers every case. */
const PATTERNS = [
  'weekly-exdate',
  'single-tzid',
  'task',
  'recurring-exception',
  'single-utc',
  'all-day',
  'monthly',
  'task-done',
] as const;
type Pattern = (typeof PATTERNS)[number];

/** Context for one account's calendar. */
export interface CalendarContext {
  /** The fixed "now" of the corpus, ms. */
  epochMs: number;
  owner: Person;
  /** People who can be invited (other accounts and external contacts). */
  invitees: Person[];
}

const pad = (n: number, w = 2): string => String(n).padStart(w, '0');
/** `YYYYMMDDTHHMMSSZ` from ms. */
export function icalUtc(ms: number): string {
  const d = new Date(ms);
  return `${d.getUTCFullYear()}${pad(d.getUTCMonth() + 1)}${pad(d.getUTCDate())}T${pad(d.getUTCHours())}${pad(d.getUTCMinutes())}${pad(d.getUTCSeconds())}Z`;
}
/** `YYYYMMDD` of the UTC day of `ms`. */
const icalDate = (ms: number): string => icalUtc(ms).slice(0, 8);
/** A floating local wall-clock time `YYYYMMDDTHHMMSS` (interpreted in the property's TZID). */
const icalLocal = (dayMs: number, hour: number, minute: number): string =>
  `${icalDate(dayMs)}T${pad(hour)}${pad(minute)}00`;

/** Escapes a TEXT value (RFC 5545 §3.3.11). */
export function icalText(s: string): string {
  return s.replace(/\\/g, '\\\\').replace(/;/g, '\\;').replace(/,/g, '\\,').replace(/\r?\n/g, '\\n');
}

/** Folds a content line at 75 octets with CRLF + space (RFC 5545 §3.1), never splitting a UTF-8 sequence. */
export function foldLine(line: string): string {
  if (line.length <= 75 && Buffer.byteLength(line, 'utf8') <= 75) return line;
  const bytes = Buffer.from(line, 'utf8');
  const parts: string[] = [];
  let start = 0;
  let limit = 75;
  while (start < bytes.length) {
    let end = Math.min(start + limit, bytes.length);
    while (end < bytes.length && ((bytes[end] ?? 0) & 0xc0) === 0x80) end--;
    parts.push(bytes.toString('utf8', start, end));
    start = end;
    limit = 74; // continuation lines start with a space
  }
  return parts.join('\r\n ');
}

/** A quoted CN parameter (RFC 5545 §3.2: a quoted param-value cannot hold DQUOTE). */
const cn = (p: Person): string => `CN="${p.name.replace(/"/g, "'")}"`;

function attendees(rng: Rng, ctx: CalendarContext): string[] {
  return rng.sample(ctx.invitees, rng.int(1, 4)).map((p) => {
    const role = rng.chance(0.8) ? 'REQ-PARTICIPANT' : 'OPT-PARTICIPANT';
    const partstat = rng.weighted(['ACCEPTED', 'NEEDS-ACTION', 'TENTATIVE', 'DECLINED'], [50, 25, 15, 10]);
    return `ATTENDEE;${cn(p)};ROLE=${role};PARTSTAT=${partstat};RSVP=TRUE:mailto:${p.address}`;
  });
}

/** The lines of one VEVENT for `pattern`; returns the extra exception VEVENT lines too when there is one. */
function eventLines(
  rng: Rng,
  ctx: CalendarContext,
  pattern: Pattern,
  uid: string,
): { lines: string[]; zones: string[] } {
  const dayMs = Math.floor((ctx.epochMs + rng.int(-60, 30) * DAY) / DAY) * DAY;
  const tzid = rng.pick(Object.keys(VTIMEZONES));
  const hour = rng.int(8, 16);
  const minute = rng.pick([0, 15, 30]);
  const lengthMin = rng.pick([30, 45, 60, 90]);
  const endH = hour + Math.floor((minute + lengthMin) / 60);
  const endM = (minute + lengthMin) % 60;
  const summary = shortTitle(rng);
  const organizer = rng.chance(0.6) || ctx.invitees.length === 0 ? ctx.owner : rng.pick(ctx.invitees);
  const common = [
    `UID:${uid}`,
    `DTSTAMP:${icalUtc(ctx.epochMs)}`,
    `SUMMARY:${icalText(summary)}`,
    `LOCATION:${icalText(rng.pick(['Room 1.01', 'Video call', 'Café, ground floor', 'Board room; 3rd floor']))}`,
    `DESCRIPTION:${icalText(`${sentence(rng)}\n${sentence(rng)}`)}`,
    'STATUS:CONFIRMED',
    'TRANSP:OPAQUE',
    'SEQUENCE:0',
    'CLASS:PUBLIC',
  ];
  const people =
    ctx.invitees.length > 0 ? [`ORGANIZER;${cn(organizer)}:mailto:${organizer.address}`, ...attendees(rng, ctx)] : [];
  const alarm = rng.chance(0.5)
    ? ['BEGIN:VALARM', 'ACTION:DISPLAY', 'TRIGGER;RELATED=START:-PT15M', 'DESCRIPTION:Reminder', 'END:VALARM']
    : [];
  const zoned = (d: number, h: number, m: number): string => `;TZID=${tzid}:${icalLocal(d, h, m)}`;
  switch (pattern) {
    case 'single-utc': {
      const start = dayMs + (hour * 60 + minute) * 60_000;
      return {
        lines: [
          'BEGIN:VEVENT',
          ...common,
          `DTSTART:${icalUtc(start)}`,
          `DTEND:${icalUtc(start + lengthMin * 60_000)}`,
          ...people,
          ...alarm,
          'END:VEVENT',
        ],
        zones: [],
      };
    }
    case 'all-day':
      return {
        lines: [
          'BEGIN:VEVENT',
          ...common.map((l) => (l === 'TRANSP:OPAQUE' ? 'TRANSP:TRANSPARENT' : l)),
          `DTSTART;VALUE=DATE:${icalDate(dayMs)}`,
          `DTEND;VALUE=DATE:${icalDate(dayMs + DAY)}`,
          'END:VEVENT',
        ],
        zones: [],
      };
    case 'single-tzid':
      return {
        lines: [
          'BEGIN:VEVENT',
          ...common,
          `DTSTART${zoned(dayMs, hour, minute)}`,
          `DTEND${zoned(dayMs, endH, endM)}`,
          ...people,
          ...alarm,
          'END:VEVENT',
        ],
        zones: [tzid],
      };
    case 'weekly-exdate': {
      const skip = rng.int(1, 4);
      return {
        lines: [
          'BEGIN:VEVENT',
          ...common,
          `DTSTART${zoned(dayMs, hour, minute)}`,
          `DTEND${zoned(dayMs, endH, endM)}`,
          'RRULE:FREQ=WEEKLY;COUNT=10',
          `EXDATE${zoned(dayMs + skip * 7 * DAY, hour, minute)}`,
          ...people,
          ...alarm,
          'END:VEVENT',
        ],
        zones: [tzid],
      };
    }
    case 'monthly':
      return {
        lines: [
          'BEGIN:VEVENT',
          ...common,
          `DTSTART${zoned(dayMs, hour, minute)}`,
          `DTEND${zoned(dayMs, endH, endM)}`,
          `RRULE:FREQ=MONTHLY;UNTIL=${icalUtc(dayMs + 180 * DAY)}`,
          ...people,
          'END:VEVENT',
        ],
        zones: [tzid],
      };
    default: {
      // recurring-exception: a daily series with one occurrence moved an hour later (a RECURRENCE-ID override).
      const moved = dayMs + rng.int(1, 4) * DAY;
      const master = [
        'BEGIN:VEVENT',
        ...common,
        `DTSTART${zoned(dayMs, hour, minute)}`,
        `DTEND${zoned(dayMs, endH, endM)}`,
        'RRULE:FREQ=DAILY;COUNT=5',
        ...people,
        ...alarm,
        'END:VEVENT',
      ];
      const exception = [
        'BEGIN:VEVENT',
        `UID:${uid}`,
        `DTSTAMP:${icalUtc(ctx.epochMs)}`,
        `RECURRENCE-ID${zoned(moved, hour, minute)}`,
        `SUMMARY:${icalText(`${summary} (moved)`)}`,
        `DTSTART${zoned(moved, hour + 1, minute)}`,
        `DTEND${zoned(moved, endH + 1, endM)}`,
        'STATUS:CONFIRMED',
        'SEQUENCE:1',
        ...people,
        'END:VEVENT',
      ];
      return { lines: [...master, ...exception], zones: [tzid] };
    }
  }
}

function todoLines(rng: Rng, ctx: CalendarContext, uid: string, done: boolean): string[] {
  const due = Math.floor((ctx.epochMs + rng.int(-20, 40) * DAY) / DAY) * DAY;
  const lines = [
    'BEGIN:VTODO',
    `UID:${uid}`,
    `DTSTAMP:${icalUtc(ctx.epochMs)}`,
    `SUMMARY:${icalText(shortTitle(rng))}`,
    `DESCRIPTION:${icalText(sentence(rng))}`,
  ];
  lines.push(rng.chance(0.5) ? `DUE;VALUE=DATE:${icalDate(due)}` : `DUE:${icalUtc(due + 17 * 3_600_000)}`);
  lines.push(`PRIORITY:${rng.pick([1, 5, 9])}`, `ORGANIZER;${cn(ctx.owner)}:mailto:${ctx.owner.address}`);
  if (done)
    lines.push('STATUS:COMPLETED', 'PERCENT-COMPLETE:100', `COMPLETED:${icalUtc(Math.min(due, ctx.epochMs - DAY))}`);
  else
    lines.push(
      rng.chance(0.5) ? 'STATUS:NEEDS-ACTION' : 'STATUS:IN-PROCESS',
      `PERCENT-COMPLETE:${rng.pick([0, 25, 50, 75])}`,
    );
  lines.push('END:VTODO');
  return lines;
}

/**
 * Builds calendar item number `index` of an account: an appointment or a task as one VCALENDAR text.
 * @param rng - this item's random stream.
 * @param index - position in the account's calendar; selects the pattern so small counts still cover all shapes.
 */
export function calendarItem(
  rng: Rng,
  ctx: CalendarContext,
  index: number,
  appointmentFolders: readonly string[],
): CorpusCalendarItem {
  const pattern = PATTERNS[index % PATTERNS.length] as Pattern;
  const uid = rng.uuid();
  const isTask = pattern === 'task' || pattern === 'task-done';
  let body: string[];
  let zones: string[] = [];
  if (isTask) {
    body = todoLines(rng, ctx, uid, pattern === 'task-done');
  } else {
    const ev = eventLines(rng, ctx, pattern, uid);
    body = ev.lines;
    zones = ev.zones;
  }
  const lines = [
    'BEGIN:VCALENDAR',
    'VERSION:2.0',
    'PRODID:-//zimbra-backup//seed corpus//EN',
    'CALSCALE:GREGORIAN',
    ...zones.flatMap((z) => VTIMEZONES[z] ?? []),
    ...body,
    'END:VCALENDAR',
  ];
  const ics = lines.map(foldLine).join('\r\n') + '\r\n';
  const folderPath = isTask ? '/Tasks' : rng.chance(0.7) ? '/Calendar' : rng.pick(appointmentFolders);
  return { kind: isTask ? 'task' : 'appointment', folderPath, uid, ics };
}
