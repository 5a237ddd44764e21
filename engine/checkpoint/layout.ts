// The token layout of a checkpoint. DiMOO's ids are the defaults; a checkpoint may declare its own in
// `dimoo_layout.json` at its root (the generated test checkpoints do, to stay small). The file holds any of
// TokenLayout's fields by name, e.g. { "mask": 300, "newline": 301, "boi": 302, "eoi": 303, "boa": 304,
// "eoa": 305, "uncondition": 306, "answerPad": 307, "eos": 308, "bos": 309, "imageCodeOffset": 320,
// "codebookSize": 64, "vocabSize": 384 }; fields it leaves out keep DiMOO's values.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { EngineError } from '../api.js';
import { DIMOO_TOKEN_LAYOUT, type TokenLayout } from '../sampling/layout-type.js';
import { readCheckpointText, refuseUnreachable } from './files.js';

export { DIMOO_TOKEN_LAYOUT, type TokenLayout } from '../sampling/layout-type.js';

export const LAYOUT_FILE = 'dimoo_layout.json';

const SPECIALS = [
  'mask',
  'newline',
  'boi',
  'eoi',
  'boa',
  'eoa',
  'uncondition',
  'answerPad',
  'eos',
  'bos',
] as const;

function invalid(detail: string): EngineError {
  return new EngineError('checkpoint_invalid', `${LAYOUT_FILE}: ${detail}`, {
    detail: `${LAYOUT_FILE}: ${detail}`,
  });
}

/** Reads the layout (defaults + the checkpoint's declaration) and checks it against the head's width. */
export function loadTokenLayout(dir: string, headRows: number, codebookSize: number): TokenLayout {
  const path = join(dir, LAYOUT_FILE);
  let declared: Record<string, unknown> = {};
  if (!existsSync(path)) refuseUnreachable(path, LAYOUT_FILE);
  if (existsSync(path)) {
    const text = readCheckpointText(path, LAYOUT_FILE);
    try {
      declared = JSON.parse(text) as Record<string, unknown>;
    } catch {
      throw invalid('is not valid JSON');
    }
    // `null` is valid JSON, and listing its fields threw a raw TypeError.
    if (!declared || typeof declared !== 'object' || Array.isArray(declared))
      throw invalid('must hold a JSON object');
  }
  const layout: TokenLayout = { ...DIMOO_TOKEN_LAYOUT };
  for (const [key, value] of Object.entries(declared)) {
    if (!(key in layout)) throw invalid(`unknown field "${key}"`);
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 0)
      throw invalid(`"${key}" must be a whole number ≥ 0`);
    (layout as unknown as Record<string, number>)[key] = value;
  }
  checkLayout(layout, headRows, codebookSize, existsSync(path) ? LAYOUT_FILE : 'the default DiMOO layout');
  return layout;
}

function checkLayout(layout: TokenLayout, headRows: number, codebookSize: number, source: string): void {
  const fail = (detail: string) => {
    throw new EngineError('checkpoint_invalid', `${source}: ${detail}`, { detail: `${source}: ${detail}` });
  };
  if (layout.codebookSize !== codebookSize) {
    fail(
      `codebookSize ${layout.codebookSize} differs from vqvae/config.json num_vq_embeddings ${codebookSize}`,
    );
  }
  const imageEnd = layout.imageCodeOffset + layout.codebookSize;
  if (imageEnd > headRows) fail(`image codes end at ${imageEnd} but the output head has ${headRows} rows`);
  if (layout.vocabSize > headRows)
    fail(`vocabSize ${layout.vocabSize} exceeds the output head's ${headRows} rows`);
  const seen = new Map<number, string>();
  for (const name of SPECIALS) {
    const id = layout[name];
    if (id >= headRows) fail(`${name} id ${id} is outside the vocabulary (${headRows})`);
    if (id >= layout.imageCodeOffset && id < imageEnd) fail(`${name} id ${id} falls inside the image codes`);
    const other = seen.get(id);
    // eos and answer padding may legitimately share an id in some checkpoints; the structural ones may not.
    if (other && !(name === 'answerPad' || other === 'answerPad' || name === 'bos' || name === 'eos')) {
      fail(`${name} and ${other} share id ${id}`);
    }
    seen.set(id, name);
  }
}
