// Token sequences for every task, laid out as upstream builds them (dimoo-inference.md §2.1, §3).
// @see Alpha-VLLM/Lumina-DiMOO inference/inference_{t2i,i2i,mmu}.py, utils/image_utils.py: add_break_line
import { EngineError } from './api.js';
import {
  type ImageToImagePromptOptions,
  imageToImagePrompt,
  needsReferenceImage,
  textToImagePrompt,
  understandingPrompt,
} from './prompts.js';
import type { TextTokenizer, TokenLayout } from './sampling/layout-type.js';

/** A latent grid: one VQ code per 16×16 pixel cell. */
export interface Grid {
  rows: number;
  cols: number;
}

/** The VQ indices (0 … codebookSize−1) of an encoded image, row-major. */
export interface ImageCodes extends Grid {
  codes: Int32Array;
}

export interface SequenceContext {
  tokenizer: TextTokenizer;
  layout: TokenLayout;
}

/** The unconditional branches of classifier-free guidance (§4.1, §4.2). */
export type BranchName = 'uncond' | 'uncond_text' | 'uncond_image';

/**
 * An unconditional branch: its own prompt prefix followed, at every step, by the conditional sequence's current
 * answer block `x[answerStart:]`. The branch therefore sees the same cells at `position + offset`.
 */
export interface GuidanceBranch {
  name: BranchName;
  prefix: Int32Array;
  /** `prefix.length − answerStart`: add to a conditional position inside the answer block. */
  offset: number;
}

/** A sequence whose answer block is an image to generate: `prefix + [BOA, BOI] rows [EOI, EOA]`. */
export interface ImageGenerationSequence {
  /** The conditional sequence `x` in its initial state. */
  ids: Int32Array;
  /** Index of BOA (upstream's `code_start − 2`). */
  answerStart: number;
  /** Index of the first image-row token (upstream's `code_start`). */
  codeStart: number;
  /** The generated image's grid. */
  grid: Grid;
  /** Position in `ids` of each grid cell, row-major (newlines skipped). */
  cellPositions: Int32Array;
  /** Unconditional branches in the order the guidance formula uses them. */
  branches: GuidanceBranch[];
}

function badRequest(detail: string): EngineError {
  return new EngineError('bad_request', detail, { detail });
}

/** The latent grid for an output size; both sides must be positive multiples of the VQ cell size. */
export function gridForSize(width: number, height: number, cellSize = 16): Grid {
  for (const [name, value] of [
    ['width', width],
    ['height', height],
  ] as const) {
    if (!Number.isInteger(value) || value < cellSize || value % cellSize !== 0) {
      throw badRequest(`${name} must be a positive multiple of ${cellSize}, got ${value}`);
    }
  }
  return { rows: height / cellSize, cols: width / cellSize };
}

/** Position of cell `(r, c)` relative to the first row token: every row is `cols` cells plus a newline. */
export function cellOffset(cols: number, cell: number): number {
  return cell + Math.floor(cell / cols);
}

/** Rows of cell tokens with `<end-of-line>` after every row, the last one included (§2.1). */
export function imageRows(layout: TokenLayout, grid: Grid, cellToken: (cell: number) => number): number[] {
  const out: number[] = [];
  for (let r = 0; r < grid.rows; r++) {
    for (let c = 0; c < grid.cols; c++) out.push(cellToken(r * grid.cols + c));
    out.push(layout.newline);
  }
  return out;
}

function checkCodes(layout: TokenLayout, image: ImageCodes): void {
  if (image.codes.length !== image.rows * image.cols) {
    throw new EngineError(
      'internal',
      `image codes hold ${image.codes.length} entries for a ${image.rows}×${image.cols} grid`,
    );
  }
  for (const code of image.codes) {
    if (!Number.isInteger(code) || code < 0 || code >= layout.codebookSize) {
      throw new EngineError(
        'internal',
        `VQ code ${code} is outside the codebook (size ${layout.codebookSize})`,
      );
    }
  }
}

/** An input image: `[BOI] rows [EOI]` with code `c` written as `imageCodeOffset + c`. */
export function imageBlock(layout: TokenLayout, image: ImageCodes): number[] {
  checkCodes(layout, image);
  const rows = imageRows(layout, image, (cell) => layout.imageCodeOffset + image.codes[cell]!);
  return [layout.boi, ...rows, layout.eoi];
}

/**
 * The answer block of an image task: `[BOA, BOI] rows [EOI, EOA]`. Every cell is MASK unless `kept` gives it a
 * code (painting: `regenerate[cell] = 1` marks the cells to generate).
 */
export function generationBlock(
  layout: TokenLayout,
  grid: Grid,
  kept?: { image: ImageCodes; regenerate: Uint8Array },
): number[] {
  const cellToken = kept
    ? (cell: number) =>
        kept.regenerate[cell] ? layout.mask : layout.imageCodeOffset + kept.image.codes[cell]!
    : () => layout.mask;
  return [layout.boa, layout.boi, ...imageRows(layout, grid, cellToken), layout.eoi, layout.eoa];
}

/** `P[:-1] + blocks + P[-1:]`: input images go inside the user turn, before its last token (`</user>`). */
export function insertBeforeLastToken(promptIds: readonly number[], blocks: readonly number[][]): number[] {
  if (promptIds.length === 0) throw new EngineError('internal', 'the tokenized prompt is empty');
  return [...promptIds.slice(0, -1), ...blocks.flat(), promptIds.at(-1)!];
}

function imageGeneration(
  layout: TokenLayout,
  condPrefix: number[],
  grid: Grid,
  branches: Array<{ name: BranchName; prefix: number[] }>,
  kept?: { image: ImageCodes; regenerate: Uint8Array },
): ImageGenerationSequence {
  const answerStart = condPrefix.length;
  const codeStart = answerStart + 2;
  const ids = Int32Array.from([...condPrefix, ...generationBlock(layout, grid, kept)]);
  const cellPositions = new Int32Array(grid.rows * grid.cols);
  for (let cell = 0; cell < cellPositions.length; cell++) {
    cellPositions[cell] = codeStart + cellOffset(grid.cols, cell);
  }
  return {
    ids,
    answerStart,
    codeStart,
    grid,
    cellPositions,
    branches: branches.map(({ name, prefix }) => ({
      name,
      prefix: Int32Array.from(prefix),
      offset: prefix.length - answerStart,
    })),
  };
}

/**
 * Text-to-image (§3.1): `P_cond + gen`; the `uncond` branch is `P_uncond + x[code_start−2:]` (its user text the
 * negative prompt, when there is one).
 */
export function textToImageSequence(
  ctx: SequenceContext,
  prompt: string,
  grid: Grid,
  negative?: string,
): ImageGenerationSequence {
  const prompts = textToImagePrompt(prompt, negative);
  const cond = ctx.tokenizer.encode(prompts.cond);
  const uncond = ctx.tokenizer.encode(prompts.uncond);
  return imageGeneration(ctx.layout, cond, grid, [{ name: 'uncond', prefix: uncond }]);
}

export interface ImageToImageInput extends ImageToImagePromptOptions {
  editType: string;
  prompt: string;
}

/**
 * Image-to-image (§3.2). `images` are the encoded input crops: one image, or for `image_ref_transfer` the content
 * image then the style image. The output grid is the last image's (upstream reuses the last crop's size).
 * Branches: `uncond_text` keeps the images and replaces the text; `uncond_image` keeps the text, drops the images.
 */
export function imageToImageSequence(
  ctx: SequenceContext,
  input: ImageToImageInput,
  images: readonly ImageCodes[],
): ImageGenerationSequence {
  const prompts = imageToImagePrompt(input.editType, input.prompt, input);
  const expected = needsReferenceImage(input.editType) ? 2 : 1;
  if (images.length !== expected) {
    const detail =
      expected === 2
        ? `edit type "${input.editType}" needs a content image and a style reference image`
        : `edit type "${input.editType}" takes one image, got ${images.length}`;
    throw badRequest(detail);
  }
  const blocks = images.map((image) => imageBlock(ctx.layout, image));
  const promptIds = ctx.tokenizer.encode(prompts.cond);
  const uncondIds = ctx.tokenizer.encode(prompts.uncond);
  const last = images.at(-1)!;
  return imageGeneration(
    ctx.layout,
    insertBeforeLastToken(promptIds, blocks),
    { rows: last.rows, cols: last.cols },
    [
      { name: 'uncond_text', prefix: insertBeforeLastToken(uncondIds, blocks) },
      { name: 'uncond_image', prefix: promptIds },
    ],
  );
}

/**
 * Inpainting / outpainting / retouching (§3.3): the T2I template with the image's own grid; kept cells carry their
 * VQ codes, cells with `regenerate[cell] = 1` are MASK. Only the masked cells are sampled. A `negative` prompt
 * takes `<uncondition>`'s place, as in textToImageSequence.
 */
export function paintSequence(
  ctx: SequenceContext,
  prompt: string,
  image: ImageCodes,
  regenerate: Uint8Array,
  negative?: string,
): ImageGenerationSequence {
  checkCodes(ctx.layout, image);
  if (regenerate.length !== image.rows * image.cols) {
    throw new EngineError(
      'internal',
      `paint mask has ${regenerate.length} cells for a ${image.rows}×${image.cols} grid`,
    );
  }
  if (!regenerate.some((v) => v !== 0)) throw badRequest('the paint region covers no image cell');
  const prompts = textToImagePrompt(prompt, negative);
  const cond = ctx.tokenizer.encode(prompts.cond);
  const uncond = ctx.tokenizer.encode(prompts.uncond);
  const grid = { rows: image.rows, cols: image.cols };
  return imageGeneration(ctx.layout, cond, grid, [{ name: 'uncond', prefix: uncond }], { image, regenerate });
}

/** A branch's full sequence for the current state `x` of the conditional sequence. */
export function branchIds(seq: ImageGenerationSequence, branch: GuidanceBranch, x: Int32Array): Int32Array {
  const answer = x.subarray(seq.answerStart);
  const out = new Int32Array(branch.prefix.length + answer.length);
  out.set(branch.prefix, 0);
  out.set(answer, branch.prefix.length);
  return out;
}

/** Conditional positions inside the answer block → the same tokens' positions in a branch. */
export function toBranchPositions(positions: Int32Array, branch: GuidanceBranch): Int32Array {
  return positions.map((p) => p + branch.offset);
}

/** Positions of the cells that are still MASK in `x`, in sequence order. */
export function maskedCellPositions(
  seq: ImageGenerationSequence,
  x: Int32Array,
  layout: TokenLayout,
): Int32Array {
  return seq.cellPositions.filter((p) => x[p] === layout.mask);
}

/** The final VQ grid: `x[code_start : −2]` without newlines, minus the image-code offset (§2.2). */
export function readImageCodes(seq: ImageGenerationSequence, x: Int32Array, layout: TokenLayout): ImageCodes {
  const codes = new Int32Array(seq.cellPositions.length);
  for (let cell = 0; cell < codes.length; cell++) {
    const code = x[seq.cellPositions[cell]!]! - layout.imageCodeOffset;
    if (code < 0 || code >= layout.codebookSize) {
      throw new EngineError(
        'internal',
        `cell ${cell} holds token ${x[seq.cellPositions[cell]!]}, not an image code`,
      );
    }
    codes[cell] = code;
  }
  return { rows: seq.grid.rows, cols: seq.grid.cols, codes };
}

/** An understanding sequence: `P[:-1] + IMG + P[-1:] + [BOA] + MASK × genLength + [EOA]`. */
export interface UnderstandingSequence {
  ids: Int32Array;
  /** Index of the first answer MASK (upstream's `code_start`). */
  codeStart: number;
  /** Index of the closing EOA (`ids.length − 1`). */
  answerEnd: number;
  /** Positions that were not MASK at the start (upstream's `prompt_index`, masked out for CFG). */
  fixed: Uint8Array;
}

/**
 * Image understanding (§3.4) with the training layout: one `[BOI] rows [EOI]` block inside the user turn (not the
 * current upstream script's doubled newlines).
 */
export function understandingSequence(
  ctx: SequenceContext,
  question: string,
  image: ImageCodes,
  genLength: number,
): UnderstandingSequence {
  const promptIds = ctx.tokenizer.encode(understandingPrompt(question));
  const input = insertBeforeLastToken(promptIds, [imageBlock(ctx.layout, image)]);
  const { layout } = ctx;
  const ids = Int32Array.from([
    ...input,
    layout.boa,
    ...new Array<number>(genLength).fill(layout.mask),
    layout.eoa,
  ]);
  const fixed = Uint8Array.from(ids, (id) => (id === layout.mask ? 0 : 1));
  return { ids, codeStart: input.length + 1, answerEnd: ids.length - 1, fixed };
}

/** The understanding CFG branch: the current sequence with every initially fixed position set to MASK (§4.3). */
export function understandingUncondIds(
  seq: UnderstandingSequence,
  x: Int32Array,
  layout: TokenLayout,
): Int32Array {
  return x.map((id, i) => (seq.fixed[i] ? layout.mask : id));
}
