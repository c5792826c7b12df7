import type { Command } from '../command.js';
import { backupCommand } from './backup.js';
import { runCommand, watchCommand } from './run.js';
import { emulatorCommand } from './emulator.js';
import { exportCommand } from './export.js';
import { importCommand } from './import.js';
import { lsCommand } from './ls.js';
import { restoreCommand } from './restore.js';
import { restoreDirectoryCommand } from './restore-directory.js';
import { restoreItemCommand } from './restore-item.js';
import { statusCommand } from './status.js';
import { undeleteCommand } from './undelete.js';
import { unlockCommand } from './unlock.js';
import { checkCommand } from './check.js';
import { purgeCommand } from './purge.js';
import { initCommand } from './init.js';
import { migrateCommand } from './migrate.js';
import { serveCommand } from './serve.js';
import { configCheckCommand } from './config-check.js';
import { keyAddCommand, keyListCommand, keyRemoveCommand } from './key.js';
import {
  emulatorCtlAccountStatus,
  emulatorCtlDeliver,
  emulatorCtlDelete,
  emulatorCtlFlag,
  emulatorCtlMove,
} from './emulator-ctl.js';

/** Every CLI command, in the order `--help` lists them. */
export const commands: Command[] = [
  emulatorCommand,
  initCommand,
  backupCommand,
  watchCommand,
  runCommand,
  statusCommand,
  lsCommand,
  restoreCommand,
  undeleteCommand,
  restoreItemCommand,
  restoreDirectoryCommand,
];
commands.push(checkCommand, purgeCommand, migrateCommand);
commands.push(exportCommand, importCommand);
commands.push(unlockCommand);
commands.push(serveCommand);
commands.push(keyAddCommand, keyListCommand, keyRemoveCommand);
commands.push(configCheckCommand);
commands.push(emulatorCtlDeliver, emulatorCtlDelete, emulatorCtlMove, emulatorCtlFlag, emulatorCtlAccountStatus);
