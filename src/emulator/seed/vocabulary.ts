/**
 * Word lists and small text generators for the seed corpus: people, companies, subjects and body text, all
 * drawn from a caller's {@link Rng} so the output is a pure function of the seed.
 * @module
 */
import type { Rng } from './prng.js';

/** Given names (a few with non-ASCII letters, so header encoding and vCard/iCalendar escaping get exercised). */
export const FIRST_NAMES = [
  'Alice',
  'Bruno',
  'Chloé',
  'Daniel',
  'Elena',
  'Farid',
  'Greta',
  'Hiroshi',
  'Ines',
  'Jonas',
  'Kavya',
  'Liam',
  'Marta',
  'Nikolai',
  'Olivia',
  'Pedro',
  'Quinn',
  'Rosa',
  'Søren',
  'Tanvi',
  'Umar',
  'Valérie',
  'Wen',
  'Ximena',
  'Yusuf',
  'Zoë',
  'Amara',
  'Bastian',
  'Carmen',
  'Dmitri',
  'Esther',
  'Felix',
];

/** Family names. */
export const LAST_NAMES = [
  'Anders',
  'Becker',
  'Costa',
  'Dubois',
  'Eriksen',
  'Fischer',
  'García',
  'Hoffmann',
  'Ibrahim',
  'Jensen',
  'Kowalski',
  'Lambert',
  'Müller',
  'Nakamura',
  'Okafor',
  'Petrov',
  'Quispe',
  'Rossi',
  'Schmidt',
  'Tanaka',
  'Urban',
  'Varga',
  "O'Neill",
  'Weber',
  'Xu',
  'Yilmaz',
  'Zimmermann',
  'Moreau',
  'Novak',
  'Silva',
];

/** Companies for external contacts and senders (reserved example domains only, RFC 2606). */
export const COMPANIES = [
  { name: 'Northwind Traders', domain: 'example.com' },
  { name: 'Globex Corporation', domain: 'example.org' },
  { name: 'Initech GmbH', domain: 'example.net' },
  { name: 'Umbrella Logistics', domain: 'umbrella.example' },
  { name: 'Stark & Wayne LLP', domain: 'stark-wayne.example' },
];

/** Job titles for contacts. */
export const JOB_TITLES = [
  'Engineer',
  'Account Manager',
  'Director of Operations',
  'Designer',
  'CFO',
  'Support Lead',
  'Consultant',
  'Office Manager',
];

const NOUNS = [
  'budget',
  'roadmap',
  'release',
  'contract',
  'invoice',
  'meeting',
  'migration',
  'backup',
  'server',
  'quota',
  'report',
  'schedule',
  'proposal',
  'review',
  'deadline',
  'workshop',
  'travel',
  'survey',
  'onboarding',
  'audit',
  'forecast',
  'shipment',
  'license',
  'newsletter',
  'minutes',
  'agenda',
  'benchmark',
  'rollout',
  'policy',
  'renewal',
];
const ADJECTIVES = [
  'quarterly',
  'updated',
  'final',
  'draft',
  'revised',
  'urgent',
  'weekly',
  'annual',
  'shared',
  'pending',
  'internal',
  'new',
];
const VERBS = [
  'review',
  'approve',
  'discuss',
  'update',
  'confirm',
  'send',
  'check',
  'prepare',
  'share',
  'schedule',
  'sign',
  'merge',
];
const FILLER = [
  'please',
  'when you have a moment',
  'before Friday',
  'as discussed',
  'if possible',
  'for the team',
  'by end of day',
  'next week',
];

/** A person with a display name and an address. */
export interface Person {
  firstName: string;
  lastName: string;
  /** Display name, `First Last`. */
  name: string;
  address: string;
}

/** ASCII local part for an address: lower case, accents folded, other characters dropped. */
export function localPart(first: string, last: string): string {
  const fold = (s: string): string =>
    s
      .normalize('NFKD')
      .replace(/[^A-Za-z]/g, '')
      .toLowerCase();
  return `${fold(first)}.${fold(last)}`;
}

/** A random person at `domain`. */
export function randomPerson(rng: Rng, domain: string): Person {
  const firstName = rng.pick(FIRST_NAMES);
  const lastName = rng.pick(LAST_NAMES);
  return {
    firstName,
    lastName,
    name: `${firstName} ${lastName}`,
    address: `${localPart(firstName, lastName)}@${domain}`,
  };
}

/** A mail subject line (sometimes a reply or forward prefix). */
export function subjectLine(rng: Rng): string {
  const core = `${capitalise(rng.pick(ADJECTIVES))} ${rng.pick(NOUNS)}: ${rng.pick(VERBS)} the ${rng.pick(NOUNS)}`;
  const prefix = rng.weighted(['', 'Re: ', 'Fwd: ', 'RE: '], [70, 20, 6, 4]);
  return prefix + core;
}

/** A short title for an event, task or document. */
export function shortTitle(rng: Rng): string {
  return `${capitalise(rng.pick(ADJECTIVES))} ${rng.pick(NOUNS)} ${rng.pick(['sync', 'review', 'planning', 'call', 'check-in', 'notes'])}`;
}

/** One sentence of plain business prose. */
export function sentence(rng: Rng): string {
  const s = `${capitalise(rng.pick(VERBS))} the ${rng.pick(ADJECTIVES)} ${rng.pick(NOUNS)} ${rng.pick(FILLER)}`;
  return rng.chance(0.2) ? `${s}, and ${rng.pick(VERBS)} the ${rng.pick(NOUNS)}.` : `${s}.`;
}

/** `count` paragraphs of a few sentences each, separated by blank lines. */
export function paragraphs(rng: Rng, count: number): string[] {
  const out: string[] = [];
  for (let p = 0; p < count; p++) {
    const n = rng.int(1, 4);
    const lines: string[] = [];
    for (let i = 0; i < n; i++) lines.push(sentence(rng));
    out.push(lines.join(' '));
  }
  return out;
}

/** A word usable in file names (`report`, `invoice`...). */
export function fileWord(rng: Rng): string {
  return rng.pick(NOUNS);
}

function capitalise(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}
