/**
 * Seed contacts: colleagues (other accounts of the domain) and external people, with the Zimbra contact field
 * names a restore must carry (firstName, lastName, email, company, phones...).
 * @module
 */
import type { CorpusContact } from './corpus-types.js';
import type { Rng } from './prng.js';
import { COMPANIES, JOB_TITLES, sentence, type Person } from './vocabulary.js';

/** A fictional phone number (the 555-01xx block is reserved for fiction). */
function phone(rng: Rng): string {
  return `+1-202-555-01${String(rng.int(0, 99)).padStart(2, '0')}`;
}

/**
 * Builds one contact.
 * @param rng - this contact's random stream.
 * @param person - who the contact describes.
 * @param company - the company name to file it under.
 * @param folders - contact folders to choose from besides `/Contacts`.
 */
export function contactFor(rng: Rng, person: Person, company: string, folders: readonly string[]): CorpusContact {
  const fields: Record<string, string> = {
    firstName: person.firstName,
    lastName: person.lastName,
    email: person.address,
    company,
    jobTitle: rng.pick(JOB_TITLES),
    workPhone: phone(rng),
  };
  if (rng.chance(0.4)) fields['mobilePhone'] = phone(rng);
  if (rng.chance(0.2)) fields['email2'] = person.address.replace('@', '.home@');
  if (rng.chance(0.25)) fields['notes'] = sentence(rng);
  if (rng.chance(0.3)) {
    fields['workStreet'] = `${rng.int(1, 200)} Main Street`;
    fields['workCity'] = rng.pick(['Springfield', 'Berlin', 'Lyon', 'Osaka', 'Lima']);
  }
  const folderPath = rng.weighted(['/Contacts', rng.pick(folders), '/Emailed Contacts'], [70, 20, 10]);
  return { folderPath, fields };
}

/** A company name for an external person (by the domain of their address, else a random one). */
export function companyOf(rng: Rng, address: string): string {
  const domain = address.split('@')[1];
  return COMPANIES.find((c) => c.domain === domain)?.name ?? rng.pick(COMPANIES).name;
}
