import type { Db } from '../../db/client';
import type { Action, Actor, Command, FormSubmission, Reply } from './types';

/** What a handler gets besides the input: who asks, the database, and the clock. */
export interface HandlerContext {
  actor: Actor;
  db: Db;
  /** Injected so that tests can fix "now"; always compare in Japan time via core/calendar. */
  now: Date;
  /** For logs only. */
  requestId: string;
}

export interface CommandSpec {
  /** ASCII id: the Slack slash command and the registry key (`case`). */
  id: string;
  /** Words that also invoke it (`ケース`, `けーす`); matched after NFKC and lower-casing. */
  aliases: readonly string[];
  /** Japanese name for help and menus. */
  label: string;
  description: string;
  /** Example of use, shown by help. */
  usage: string;
  /** Shown in the local chat's and LINE's main menu. */
  menu?: boolean;
  onCommand(ctx: HandlerContext, cmd: Command): Promise<Reply[]>;
  onAction?(ctx: HandlerContext, action: Action): Promise<Reply[]>;
  onForm?(ctx: HandlerContext, form: FormSubmission): Promise<Reply[]>;
}

export class CommandRegistry {
  private readonly byId = new Map<string, CommandSpec>();
  private readonly byWord = new Map<string, CommandSpec>();

  constructor(specs: readonly CommandSpec[] = []) {
    for (const s of specs) this.register(s);
  }

  register(spec: CommandSpec): void {
    if (this.byId.has(spec.id)) throw new Error(`duplicate command id: ${spec.id}`);
    for (const word of [spec.id, ...spec.aliases]) {
      const key = normalizeWord(word);
      const taken = this.byWord.get(key);
      if (taken) throw new Error(`command word "${word}" of ${spec.id} is already used by ${taken.id}`);
      this.byWord.set(key, spec);
    }
    this.byId.set(spec.id, spec);
  }

  get(id: string): CommandSpec | undefined {
    return this.byId.get(id);
  }

  /** Finds the command for a word typed by a user (id or alias). */
  resolve(word: string): CommandSpec | undefined {
    return this.byWord.get(normalizeWord(word));
  }

  all(): CommandSpec[] {
    return [...this.byId.values()];
  }
}

function normalizeWord(word: string): string {
  return word.normalize('NFKC').trim().replace(/^\//, '').toLowerCase();
}
