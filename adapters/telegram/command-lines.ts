// Reading a message's text or caption as one of our commands: `/imagine a fox`, `/imagine@bot a fox`, or past a
// mention that opens it (`@bot /imagine a fox`, typed in a group to make sure the bot hears it).
import {
  type CommandRegistry,
  imageSlots,
  parseTextCommand,
  type TextCommand,
} from '../../commands/index.js';
import { pastMention } from './addressing.js';

export class CommandLines {
  /** `username`: the bot's, known once grammY's `init` has asked Telegram. */
  constructor(
    private readonly registry: Pick<CommandRegistry, 'specs' | 'find'>,
    private readonly username: () => string,
  ) {}

  /** The text as typed, or past a mention that opens a command of ours (`@bot /imagine a fox`). */
  line(text = ''): string {
    const past = pastMention(text, this.username());
    return past !== text && parseTextCommand(this.registry.specs, past, this.username()) ? past : text;
  }

  parse(text: string | undefined): TextCommand | undefined {
    return parseTextCommand(this.registry.specs, this.line(text), this.username());
  }

  isCommand(text: string | undefined, name: string): boolean {
    return this.parse(text)?.name === name;
  }

  /** How a command takes images (its spec's image options): none beyond those is worth downloading. */
  imageSlots(name: string): { own: number; replied: boolean } {
    const spec = this.registry.find(name)?.spec;
    return spec ? imageSlots(spec) : { own: 0, replied: false };
  }
}
