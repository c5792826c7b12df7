import { describe, expect, it } from 'vitest';
import { commands } from '../../../src/cli/commands/index.js';
import { commandEntries } from '../../../src/cli/commands/registry.js';

describe('CLI command registry (lazy loading)', () => {
  it('lists every command with its own name and summary, in the same order, and loads each', async () => {
    expect(commandEntries.map((e) => [e.name, e.summary])).toEqual(commands.map((c) => [c.name, c.summary]));
    for (const [i, e] of commandEntries.entries()) expect(await e.load()).toBe(commands[i]);
  });
});
