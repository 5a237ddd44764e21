// Commands typed as text (Telegram messages and captions, the web playground): `/imagine@bot a fox --ar 16:9`,
// `/retouch 0.1,0.1,0.5,0.5 a hat`, `/outpaint 2x more sky`, `/settings size=768 private=on`. Both text
// platforms share this, so the option shapes match what Discord's slash options deliver.
import { findCommand } from './definitions.js';
import type { SettingsChanges } from './settings.js';

export interface TextCommand {
  /** The table's command name (aliases resolved: /draw → imagine, /start → help). */
  name: string;
  /** Everything after the command word. */
  args: string;
}

/** `/name[@bot] args`; undefined when the text is not a command of ours (or is addressed to another bot). */
export function parseTextCommand(text: string, botUsername?: string): TextCommand | undefined {
  const m = /^\/([a-z0-9_]{1,32})(?:@([a-z0-9_]{3,64}))?(?:\s+([\s\S]*))?$/i.exec(text.trim());
  if (!m) return undefined;
  const [, word = '', addressee, args = ''] = m;
  if (addressee && botUsername && addressee.toLowerCase() !== botUsername.toLowerCase()) return undefined;
  const spec = findCommand(word.toLowerCase());
  if (!spec) return undefined;
  return { name: spec.aliasOf ?? spec.name, args: args.trim() };
}

/**
 * Takes `--name value` (or `--name=value`) out of a line: options that are not prompt flags, such as an edit's
 * `--type`, go before the prompt parser sees the rest.
 */
export function takeOption(text: string, name: string): { rest: string; value?: string } {
  const match = new RegExp(`(?:^|\\s)(?:--|[—–])${name}(?:=|\\s+)(\\S+)`).exec(text);
  if (!match) return { rest: text };
  return {
    rest: (text.slice(0, match.index) + text.slice(match.index + match[0].length)).trim(),
    value: match[1],
  };
}

/** An /edit line: `--type edit_remove` picks the edit family; the rest is the instruction. */
export function splitEditText(args: string): { type?: string; instruction: string } {
  const { rest, value } = takeOption(args, 'type');
  return { ...(value !== undefined ? { type: value } : {}), instruction: rest };
}

const BOX = /^-?[\d.]+,-?[\d.]+,-?[\d.]+,-?[\d.]+$/;

/** Leading `x,y,w,h` tokens (or a `--box x,y,w,h` option) of a /retouch line are its boxes; the rest is the prompt. */
export function splitRetouchText(args: string): { boxes?: string; prompt: string } {
  const option = takeOption(args, 'box');
  const words = option.rest.split(/\s+/).filter(Boolean);
  const boxes: string[] = option.value !== undefined ? [option.value] : [];
  while (words.length > 0 && BOX.test((words[0] as string).replace(/;$/, ''))) {
    boxes.push((words.shift() as string).replace(/;$/, ''));
  }
  return { ...(boxes.length > 0 ? { boxes: boxes.join(';') } : {}), prompt: words.join(' ') };
}

const DIRECTION_WORDS = new Set(['left', 'right', 'up', 'down']);

type Direction = 'left' | 'right' | 'up' | 'down';

/**
 * A leading `1.5x`/`2x`/`x2` (zoom) or `left|right|up|down` (pan) of an /outpaint line, or the options
 * `--zoom 2` / `--pan left`; the rest is the prompt.
 */
export function splitOutpaintText(args: string): { zoom?: number; direction?: Direction; prompt: string } {
  const zoomOption = takeOption(args, 'zoom');
  const panOption = takeOption(zoomOption.rest, 'pan');
  if (zoomOption.value !== undefined || panOption.value !== undefined) {
    return {
      ...(zoomOption.value !== undefined ? { zoom: Number(zoomOption.value) } : {}),
      // Any word passes here: extensionOf refuses what is not a direction, naming the choices.
      ...(panOption.value !== undefined ? { direction: panOption.value.toLowerCase() as Direction } : {}),
      prompt: panOption.rest,
    };
  }
  const [first = '', ...rest] = args.split(/\s+/).filter(Boolean);
  const zoom = /^(?:x|×)?(\d+(?:\.\d+)?)(?:x|×)?$/i.exec(first);
  if (zoom && /x|×/i.test(first)) return { zoom: Number(zoom[1]), prompt: rest.join(' ') };
  if (DIRECTION_WORDS.has(first.toLowerCase())) {
    return { direction: first.toLowerCase() as Direction, prompt: rest.join(' ') };
  }
  return { prompt: args.trim() };
}

/** `size=768 aspect=16:9 steps=20 language=zh-CN private=on previews=off`; unknown keys are left out for the caller to name. */
export function parseSettingsText(args: string): { changes: SettingsChanges; unknown: string[] } {
  const changes: SettingsChanges = {};
  const unknown: string[] = [];
  // `key=value`, `key: value` (as /settings shows them) and `key value` all work.
  const tokens = args.split(/\s+/).filter(Boolean);
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i] as string;
    let [key = '', value] = token.split('=');
    if (value === undefined) {
      key = key.replace(/:$/, '');
      value = tokens[i + 1] ?? '';
      i++;
    }
    const name = key.toLowerCase();
    switch (name) {
      case 'size':
      case 'steps':
      case 'aspect':
      case 'language':
        changes[name] = value;
        break;
      case 'private':
      case 'previews':
        changes[name] = /^(on|true|yes|1|✓)$/i.test(value);
        break;
      case 'plain':
        changes.plain = /^(on|true|yes|1|✓|imagine)$/i.test(value);
        break;
      default:
        unknown.push(key);
    }
  }
  return { changes, unknown };
}

/** Latin question words count only as whole words ("isolate the cat", "candle light" are not questions). */
const QUESTION_START =
  /^(?:(?:what|what's|whats|who|whom|whose|where|when|why|how|which|is|are|was|were|do|does|did|can|could|should|would|will|describe|tell me|explain)(?![a-z])|请描述|描述|这是|图中|图里|什么|谁|哪|为什么|怎么|几)/i;

/**
 * A text reply to an image: a question asks about it (describe), anything else changes it (edit). Questions end
 * with a question mark, start with a question word, or (in Chinese) end with 吗/呢.
 */
export function isQuestion(text: string): boolean {
  const t = text.trim();
  return /[?？]$/.test(t) || /[吗呢]$/.test(t) || QUESTION_START.test(t);
}
