// Prompt lists for `dimoo batch`, in the formats of upstream's inference_t2i_ddp.py (dimoo-inference.md §5):
// .jsonl (the "prompt" field of each line), .json (an array of strings) and .txt (one prompt per line).
import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { CliError } from './command.js';
import { fileErrorReason } from './files.js';

export class PromptFileError extends CliError {
  override name = 'PromptFileError';
  constructor(message: string) {
    super('prompts_invalid', message);
  }
}

/** One prompt of a prompt file and where it stands there ("line 3", "item 2"), for a refusal to point at. */
export interface PromptEntry {
  prompt: string;
  where: string;
}

export function parsePromptEntries(path: string, text: string): PromptEntry[] {
  const ext = extname(path).toLowerCase();
  let entries: PromptEntry[];
  if (ext === '.jsonl') {
    entries = text.split(/\r?\n/).flatMap((line, i) => {
      if (line.trim() === '') return [];
      let value: unknown;
      try {
        value = JSON.parse(line);
      } catch {
        throw new PromptFileError(`${path} line ${i + 1} is not JSON`);
      }
      const prompt = (value as { prompt?: unknown } | null)?.prompt;
      if (typeof prompt !== 'string')
        throw new PromptFileError(`${path} line ${i + 1} has no "prompt" string`);
      return [{ prompt: prompt.trim(), where: `line ${i + 1}` }];
    });
  } else if (ext === '.json') {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      throw new PromptFileError(`${path} is not valid JSON`);
    }
    if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) {
      throw new PromptFileError(`${path} must be a JSON array of prompt strings`);
    }
    entries = value.map((v: string, i) => ({ prompt: v.trim(), where: `item ${i + 1}` }));
  } else if (ext === '.txt') {
    entries = text.split(/\r?\n/).map((line, i) => ({ prompt: line.trim(), where: `line ${i + 1}` }));
  } else {
    throw new PromptFileError(`${path}: the prompt file must end in .jsonl, .json or .txt`);
  }
  entries = entries.filter((e) => e.prompt !== '');
  if (entries.length === 0) throw new PromptFileError(`${path} holds no prompt`);
  return entries;
}

export function parsePromptFile(path: string, text: string): string[] {
  return parsePromptEntries(path, text).map((e) => e.prompt);
}

export function readPromptFile(path: string): PromptEntry[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new PromptFileError(`cannot read --prompts ${path}: ${fileErrorReason(error)}`);
  }
  return parsePromptEntries(path, text);
}

/** Upstream's file name: index, the first ten words (letters, digits, _ and - only), size, steps, cfg, seed. */
export function batchFileName(
  index: number,
  prompt: string,
  s: { width: number; height: number; steps: number; cfg: number; seed: number },
): string {
  const words = prompt
    .split(/\s+/)
    .slice(0, 10)
    .join('_')
    .replace(/[^\p{L}\p{N}_-]/gu, '');
  return `${index}_${words}_${s.height}x${s.width}_t${s.steps}_cfg${s.cfg}_seed${s.seed}.png`;
}
