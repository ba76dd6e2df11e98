import { CommandRegistry } from '../src/chat/registry';
import { caseCommand } from './case';
import { helpCommand } from './help';
import { soudanCommand } from './soudan';

/** Every command the bot knows: adding a command is one handler file and one line here. */
export function createRegistry(): CommandRegistry {
  const registry: CommandRegistry = new CommandRegistry([
    caseCommand,
    soudanCommand,
    helpCommand(() => registry),
  ]);
  return registry;
}
