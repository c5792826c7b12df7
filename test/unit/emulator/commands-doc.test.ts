// docs/ZIMBRA-COMPAT.md "Emulator commands" must list exactly the commands the emulator registers.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { registeredCommands } from '../../../src/emulator/handlers/registry.js';

describe('docs/ZIMBRA-COMPAT.md emulator command list', () => {
  it('agrees with the handler registry', () => {
    const doc = readFileSync(fileURLToPath(new URL('../../../docs/ZIMBRA-COMPAT.md', import.meta.url)), 'utf8');
    const section = /<!-- emulator-commands:start -->([\s\S]*?)<!-- emulator-commands:end -->/.exec(doc)?.[1] ?? '';
    const listed = [...section.matchAll(/^- `([^`]+)`$/gm)].map((m) => m[1]);
    expect(listed).toEqual(registeredCommands());
  });
});
