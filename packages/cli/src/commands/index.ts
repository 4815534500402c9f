import type { CommandDefinition } from './command.js';
import { clean } from './clean.js';
import { completion, setCompletionCommands } from './completion.js';
import { remove } from './delete.js';
import { inspect } from './inspect.js';
import { list } from './list.js';
import { stats } from './stats.js';
import { copy, pull, push } from './transfer.js';
import { verify } from './verify.js';
import { version } from './version.js';

/** Every command, in the order `s3lo --help` lists them. */
export const COMMANDS: readonly CommandDefinition[] = [push, pull, copy, list, inspect, remove, clean, stats, verify, version, completion];

setCompletionCommands(() => COMMANDS);
