import type { Command } from '../command.js';
import { backupCommand, watchCommand } from './backup.js';
import { emulatorCommand } from './emulator.js';
import { lsCommand } from './ls.js';
import { statusCommand } from './status.js';
import { checkCommand } from './check.js';
import { purgeCommand } from './purge.js';

/** Every CLI command, in the order `--help` lists them. */
export const commands: Command[] = [emulatorCommand, backupCommand, watchCommand, statusCommand, lsCommand];
commands.push(checkCommand, purgeCommand);
