import { CommandRegistry } from '../src/chat/registry';
import { caseCommand } from './case';
import { helpCommand } from './help';
import { kaigiCommand } from './kaigi';
import { kadaiCommand } from './kadai';
import { nijiCommand } from './niji';
import { shihyoCommand } from './shihyo';
import { soudanCommand } from './soudan';
import { yoteiCommand } from './yotei';
import { rirekiCommand } from './rireki';
import { gyakutaiCommand } from './gyakutai';
import { kinkyuCommand } from './kinkyu';
import { shutsuryokuCommand } from './shutsuryoku';
import { adminCommand } from './admin';
import { shikyuCommand } from './shikyu';
import { riyoushaCommand } from './riyousha';
import { douiCommand } from './doui';

/** Every command the bot knows: adding a command is one handler file and one line here. */
export function createRegistry(): CommandRegistry {
  const registry: CommandRegistry = new CommandRegistry([
    caseCommand,
    soudanCommand,
    kaigiCommand,
    nijiCommand,
    kadaiCommand,
    shihyoCommand,
    rirekiCommand,
    gyakutaiCommand,
    kinkyuCommand,
    shutsuryokuCommand,
    adminCommand,
    yoteiCommand,
    shikyuCommand,
    riyoushaCommand,
    douiCommand,
    helpCommand(() => registry),
  ]);
  return registry;
}
