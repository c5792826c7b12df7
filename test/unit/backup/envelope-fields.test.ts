// The envelope parse cut to its own header fields (message-envelope.ts envelopeFields) must give
// exactly what postal-mime gives for the whole header block: checked on every message of the
// SpamAssassin dataset (real headers: folds, encoded words, odd addresses, 8-bit bytes) and on
// hand-made blocks where the cut is refused.
import { describe, expect, it } from 'vitest';
import { headerBlock, parseEnvelope } from '../../../src/backup/message-envelope.js';
import { envelopeFields, plainEnvelope, plainFields } from '../../../src/backup/plain-envelope.js';
import { SpamAssassinSource, defaultSpamAssassinDir } from '../../../src/emulator/seed/index.js';

describe('envelopeFields', () => {
  it('gives the envelope of the whole block on every SpamAssassin message', async () => {
    const dir = defaultSpamAssassinDir();
    const src = dir ? SpamAssassinSource.open(dir) : undefined;
    expect(src).toBeDefined();
    let cut = 0;
    let plain = 0;
    const differ: string[] = [];
    for (let i = 0; i < src!.count; i++) {
      const head = headerBlock(await src!.read(i));
      const fields = plainFields(head);
      if (fields) cut++;
      if (fields && plainEnvelope(fields) !== null) plain++;
      const fast = await parseEnvelope(head);
      const whole = await parseEnvelope(head, { wholeBlock: true });
      if (JSON.stringify(fast) !== JSON.stringify(whole)) differ.push(src!.id(i));
    }
    expect(differ).toEqual([]);
    // most real blocks take the short paths (the test would prove nothing otherwise)
    expect(cut).toBeGreaterThan(src!.count / 2);
    expect(plain).toBeGreaterThan(src!.count / 3);
  }, 120_000);

  it('keeps only the envelope fields with their folds, in order', () => {
    const head = Buffer.from(
      'Received: from a\r\n\tby b\r\nSubject: one\r\n two\r\nTo: a@x\r\nX-Other: y\r\nCc: c@x\r\nTo: b@x\r\n\r\n',
    );
    expect(envelopeFields(head)?.toString()).toBe('Subject: one\r\n two\r\nTo: a@x\r\nCc: c@x\r\nTo: b@x\r\n\r\n');
  });

  it('refuses blocks postal-mime reads differently from their parts: 8-bit, bare CR, whitespace lines, non-fields', () => {
    for (const raw of [
      'Subject: caf\xe9\r\n\r\n',
      'Subject: a\rb\r\n\r\n',
      'X: y\r\n \r\nSubject: s\r\n\r\n',
      ' Subject: s\r\n\r\n',
      'Subject : s\r\n\r\n',
      'From someone Thu Aug 22\r\nSubject: s\r\n\r\n',
      'not a header\r\nSubject: s\r\n\r\n',
    ])
      expect(envelopeFields(Buffer.from(raw, 'latin1'))).toBeUndefined();
  });

  it('agrees with postal-mime on hand-made edge cases of the plain grammar and just outside it', async () => {
    const heads = [
      'From: a@x.test\r\nTo: b@x.test, "C D" <c@x.test>,\r\n\tE F <e@x.test>\r\nSubject:   spaced  \r\n\r\n',
      'From: "Doe, John" <j@x.test>\r\nSubject: =?UTF-8?B?w4lsw6k=?=\r\n\r\n',
      'From: "j@x.test" <j@x.test>\r\nTo: <k@x.test>\r\nCc: L.M <l@x.test>\r\nDate: nonsense\r\n\r\n',
      'From: j@x.test (John)\r\nTo: undisclosed-recipients:;\r\nDate: Tue, 01 Dec 2026 10:00:00 +0100\r\n\r\n',
      'Subject:\r\nFrom:\r\nTo:\r\nMessage-ID: <a@b>\r\nMessage-ID: <c@d>\r\n\r\n',
      "From: O'Neil <o@x.test>\nTo: -x <x@y.test>\nSubject: lf only\n\n",
      'X-Only: nothing of the envelope\r\n\r\n',
    ];
    for (const h of heads) {
      const head = Buffer.from(h, 'latin1');
      expect(await parseEnvelope(head), h).toEqual(await parseEnvelope(head, { wholeBlock: true }));
    }
  });
});
