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

export function parsePromptFile(path: string, text: string): string[] {
  const ext = extname(path).toLowerCase();
  let prompts: string[];
  if (ext === '.jsonl') {
    prompts = text.split(/\r?\n/).flatMap((line, i) => {
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
      return [prompt.trim()];
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
    prompts = value.map((v: string) => v.trim());
  } else if (ext === '.txt') {
    prompts = text.split(/\r?\n/).map((line) => line.trim());
  } else {
    throw new PromptFileError(`${path}: the prompt file must end in .jsonl, .json or .txt`);
  }
  prompts = prompts.filter((p) => p !== '');
  if (prompts.length === 0) throw new PromptFileError(`${path} holds no prompt`);
  return prompts;
}

export function readPromptFile(path: string): string[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new PromptFileError(`cannot read --prompts ${path}: ${fileErrorReason(error)}`);
  }
  return parsePromptFile(path, text);
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
