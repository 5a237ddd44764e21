import { describe, expect, it } from 'vitest';
import { EngineError } from '../../engine/api.js';
import { DIMOO_TOKEN_LAYOUT as L } from '../../engine/sampling/layout-type.js';
import {
  branchIds,
  generationBlock,
  gridForSize,
  type ImageCodes,
  imageBlock,
  imageToImageSequence,
  maskedCellPositions,
  paintSequence,
  readImageCodes,
  textToImageSequence,
  toBranchPositions,
  understandingSequence,
  understandingUncondIds,
} from '../../engine/sequence.js';
import { CHAR_TOKENIZER_TAGS, CharTokenizer } from '../doubles/char-tokenizer.js';

const tokenizer = new CharTokenizer(L);
const ctx = { tokenizer, layout: L };
const USER_END = CHAR_TOKENIZER_TAGS['</user>'];

function codes(rows: number, cols: number, base = 0): ImageCodes {
  return { rows, cols, codes: Int32Array.from({ length: rows * cols }, (_, i) => (base + i * 37) % 8192) };
}

/** Asserts `[BOI] rows-with-newlines [EOI]` of `image` starting at `at`. */
function expectImageBlock(ids: ArrayLike<number>, at: number, image: ImageCodes): number {
  expect(ids[at]).toBe(L.boi);
  let p = at + 1;
  for (let r = 0; r < image.rows; r++) {
    for (let c = 0; c < image.cols; c++)
      expect(ids[p++]).toBe(L.imageCodeOffset + image.codes[r * image.cols + c]!);
    expect(ids[p++]).toBe(L.newline);
  }
  expect(ids[p]).toBe(L.eoi);
  return p + 1;
}

describe('image blocks', () => {
  it('writes a newline after every row, the last included, between BOI and EOI', () => {
    const img = codes(2, 3);
    const block = imageBlock(L, img);
    expect(block).toHaveLength(2 + 2 * 4);
    expect(expectImageBlock(block, 0, img)).toBe(block.length);
  });

  it('1024² generation block is 64×65 + 4 tokens', () => {
    const block = generationBlock(L, gridForSize(1024, 1024));
    expect(block).toHaveLength(64 * 65 + 4);
    expect(block.slice(0, 2)).toEqual([L.boa, L.boi]);
    expect(block.slice(-2)).toEqual([L.eoi, L.eoa]);
    expect(block.filter((t) => t === L.newline)).toHaveLength(64);
    expect(block.filter((t) => t === L.mask)).toHaveLength(4096);
  });

  it('refuses sizes that are not multiples of 16', () => {
    expect(() => gridForSize(1000, 1024)).toThrow(EngineError);
    expect(() => gridForSize(0, 16)).toThrow(/width/);
    expect(gridForSize(512, 256)).toEqual({ rows: 16, cols: 32 });
  });

  it('refuses codes outside the codebook', () => {
    expect(() => imageBlock(L, { rows: 1, cols: 1, codes: Int32Array.of(8192) })).toThrow(/codebook/);
  });
});

describe('text-to-image sequence (§3.1)', () => {
  const grid = gridForSize(64, 32); // 2 rows × 4 cols
  const seq = textToImageSequence(ctx, 'a cat', grid);
  const cond = tokenizer.encode(
    '<system>Generate an image according to the text prompt.</system><user>a cat</user>',
  );
  const uncond = tokenizer.encode(
    '<system>Generate an image according to the text prompt.</system><user><uncondition></user>',
  );

  it('is P_cond + [BOA, BOI] rows of MASK+newline [EOI, EOA], code_start = len(P_cond) + 2', () => {
    expect(Array.from(seq.ids.subarray(0, cond.length))).toEqual(cond);
    expect(seq.answerStart).toBe(cond.length);
    expect(seq.codeStart).toBe(cond.length + 2);
    expect(seq.ids[cond.length]).toBe(L.boa);
    expect(seq.ids[cond.length + 1]).toBe(L.boi);
    const rows = Array.from(seq.ids.subarray(seq.codeStart, seq.ids.length - 2));
    expect(rows).toEqual([
      L.mask,
      L.mask,
      L.mask,
      L.mask,
      L.newline,
      L.mask,
      L.mask,
      L.mask,
      L.mask,
      L.newline,
    ]);
    expect(Array.from(seq.ids.subarray(-2))).toEqual([L.eoi, L.eoa]);
    expect(seq.ids).toHaveLength(cond.length + 4 + 2 * 5);
  });

  it('lists cell positions row-major, skipping newlines', () => {
    const c = seq.codeStart;
    expect(Array.from(seq.cellPositions)).toEqual([c, c + 1, c + 2, c + 3, c + 5, c + 6, c + 7, c + 8]);
    expect(Array.from(maskedCellPositions(seq, seq.ids, L))).toEqual(Array.from(seq.cellPositions));
  });

  it('uncond branch = P_uncond + x[code_start−2:], same cells at a shifted offset', () => {
    const [branch] = seq.branches;
    expect(branch?.name).toBe('uncond');
    expect(Array.from(branch!.prefix)).toEqual(uncond);
    const x = seq.ids.slice();
    x[seq.cellPositions[3]!] = L.imageCodeOffset + 5;
    const u = branchIds(seq, branch!, x);
    expect(Array.from(u)).toEqual([...uncond, ...Array.from(x.subarray(seq.codeStart - 2))]);
    expect(u[uncond.length]).toBe(L.boa);
    const shifted = toBranchPositions(seq.cellPositions, branch!);
    for (let i = 0; i < shifted.length; i++) expect(u[shifted[i]!]).toBe(x[seq.cellPositions[i]!]);
    expect(branch!.offset).toBe(uncond.length - cond.length);
  });

  it('puts a negative prompt in <uncondition>’s place; a blank one changes nothing', () => {
    const away = textToImageSequence(ctx, 'a cat', grid, '  dogs, text ');
    const prefix = tokenizer.encode(
      '<system>Generate an image according to the text prompt.</system><user>dogs, text</user>',
    );
    expect(Array.from(away.branches[0]!.prefix)).toEqual(prefix);
    expect(away.branches[0]!.offset).toBe(prefix.length - cond.length);
    expect(Array.from(away.ids)).toEqual(Array.from(seq.ids));
    expect(Array.from(textToImageSequence(ctx, 'a cat', grid, ' ').branches[0]!.prefix)).toEqual(uncond);
  });

  it('reads the final grid back as VQ indices and refuses a leftover mask', () => {
    const x = seq.ids.slice();
    seq.cellPositions.forEach((p, i) => {
      x[p] = L.imageCodeOffset + i * 100;
    });
    const out = readImageCodes(seq, x, L);
    expect(out.rows).toBe(2);
    expect(Array.from(out.codes)).toEqual([0, 100, 200, 300, 400, 500, 600, 700]);
    x[seq.cellPositions[2]!] = L.mask;
    expect(() => readImageCodes(seq, x, L)).toThrow(/not an image code/);
  });
});

describe('image-to-image sequences (§3.2)', () => {
  const input = codes(2, 2, 11);

  it('places the image before </user> in cond and uncond_text; uncond_image is the bare prompt', () => {
    const seq = imageToImageSequence(ctx, { editType: 'edit_add', prompt: 'add a hat' }, [input]);
    const P = tokenizer.encode(
      '<system>Generate an image applying the following editing instruction based on the original image.</system><user>add a hat</user>',
    );
    const PunT = tokenizer.encode(
      '<system>Generate an image applying the following editing instruction based on the original image.</system><user><uncondition></user>',
    );
    const ids = Array.from(seq.ids);
    expect(ids.slice(0, P.length - 1)).toEqual(P.slice(0, -1));
    const afterImage = expectImageBlock(ids, P.length - 1, input);
    expect(ids[afterImage]).toBe(USER_END);
    expect(seq.answerStart).toBe(afterImage + 1);
    expect(seq.codeStart).toBe(P.length + 2 * 3 + 2 + 2);
    expect(ids[seq.answerStart]).toBe(L.boa);
    expect(seq.grid).toEqual({ rows: 2, cols: 2 });

    const [text, image] = seq.branches;
    expect(text?.name).toBe('uncond_text');
    const t = Array.from(text!.prefix);
    expect(t.slice(0, PunT.length - 1)).toEqual(PunT.slice(0, -1));
    expect(t[expectImageBlock(t, PunT.length - 1, input)]).toBe(USER_END);
    expect(image?.name).toBe('uncond_image');
    expect(Array.from(image!.prefix)).toEqual(P);
    // every branch sees the same answer block
    for (const b of seq.branches) {
      const full = branchIds(seq, b, seq.ids);
      expect(Array.from(full.subarray(b.prefix.length))).toEqual(ids.slice(seq.answerStart));
    }
  });

  it('image_ref_transfer: content then style, output grid = style crop', () => {
    const content = codes(2, 3, 1);
    const style = codes(3, 2, 500);
    const seq = imageToImageSequence(ctx, { editType: 'image_ref_transfer', prompt: '' }, [content, style]);
    const ids = Array.from(seq.ids);
    const P = tokenizer.encode(
      '<system>Transform the current image into the style of the provided image.</system><user>Transform the current image into the style of the provided image.</user>',
    );
    let p = expectImageBlock(ids, P.length - 1, content);
    p = expectImageBlock(ids, p, style);
    expect(ids[p]).toBe(USER_END);
    expect(seq.grid).toEqual({ rows: 3, cols: 2 });
    expect(ids.slice(seq.codeStart, -2).filter((t) => t === L.mask)).toHaveLength(6);
    const text = Array.from(seq.branches[0]!.prefix);
    const PunT = tokenizer.encode(
      '<system>Transform the current image into the style of the provided image.</system><user><uncondition></user>',
    );
    p = expectImageBlock(text, PunT.length - 1, content);
    expect(text[expectImageBlock(text, p, style)]).toBe(USER_END);
  });

  it.each([
    ['subject_driven', 'a mug on a table'],
    ['depth_control', 'a street'],
    ['canny_pred', 'Generate a canny edge map according to the image.'],
    ['multi_view_left', ''],
  ])('%s uses one image block before </user>', (editType, prompt) => {
    const seq = imageToImageSequence(ctx, { editType, prompt }, [input]);
    const ids = Array.from(seq.ids);
    expect(ids.filter((t) => t === L.boi)).toHaveLength(2);
    const at = ids.indexOf(L.boi);
    expect(ids[expectImageBlock(ids, at, input)]).toBe(USER_END);
  });

  it('asks for the reference image when it is missing, and refuses extra images', () => {
    expect(() => imageToImageSequence(ctx, { editType: 'image_ref_transfer', prompt: '' }, [input])).toThrow(
      /style reference image/,
    );
    expect(() => imageToImageSequence(ctx, { editType: 'edit_add', prompt: 'x' }, [input, input])).toThrow(
      /takes one image/,
    );
  });
});

describe('painting sequence (§3.3)', () => {
  it('keeps codes outside the region and masks the cells to regenerate', () => {
    const image = codes(2, 3, 7);
    const regenerate = Uint8Array.of(0, 1, 0, 0, 1, 1);
    const seq = paintSequence(ctx, 'a cat', image, regenerate);
    const ids = Array.from(seq.ids);
    const P = tokenizer.encode(
      '<system>Generate an image according to the text prompt.</system><user>a cat</user>',
    );
    expect(seq.codeStart).toBe(P.length + 2);
    const k = (cell: number) => L.imageCodeOffset + image.codes[cell]!;
    expect(ids.slice(seq.codeStart - 2)).toEqual([
      L.boa,
      L.boi,
      k(0),
      L.mask,
      k(2),
      L.newline,
      k(3),
      L.mask,
      L.mask,
      L.newline,
      L.eoi,
      L.eoa,
    ]);
    expect(maskedCellPositions(seq, seq.ids, L)).toHaveLength(3);
    expect(seq.branches[0]?.name).toBe('uncond');
  });

  it('refuses a region with no cell', () => {
    expect(() => paintSequence(ctx, 'x', codes(1, 2), new Uint8Array(2))).toThrow(/covers no image cell/);
  });
});

describe('understanding sequence (§3.4)', () => {
  it('uses the training layout: one image block before </user>, BOA, MASK × G, EOA', () => {
    const image = codes(3, 2, 3);
    const seq = understandingSequence(ctx, 'What is it?', image, 8);
    const ids = Array.from(seq.ids);
    const P = tokenizer.encode(
      '<system>You are a multimodal model that can process both text and images. Answer the following question based on the provided images. Analyze each image and combine relevant details to answer.</system><user>What is it?</user>',
    );
    expect(ids.slice(0, P.length - 1)).toEqual(P.slice(0, -1));
    const after = expectImageBlock(ids, P.length - 1, image);
    expect(ids[after]).toBe(USER_END);
    expect(ids[after + 1]).toBe(L.boa);
    expect(seq.codeStart).toBe(after + 2);
    expect(seq.codeStart).toBe(P.length + 2 + 3 * 3 + 1);
    expect(ids.slice(seq.codeStart, seq.codeStart + 8)).toEqual(new Array(8).fill(L.mask));
    expect(seq.answerEnd).toBe(ids.length - 1);
    expect(ids[seq.answerEnd]).toBe(L.eoa);
    expect(ids.filter((t) => t === L.newline)).toHaveLength(3);
  });

  it('masks every initially fixed position for the CFG branch', () => {
    const seq = understandingSequence(ctx, 'Q', codes(1, 1), 4);
    const x = seq.ids.slice();
    x[seq.codeStart] = 65;
    const u = understandingUncondIds(seq, x, L);
    expect(Array.from(u)).toEqual([
      ...new Array(seq.codeStart).fill(L.mask),
      65,
      L.mask,
      L.mask,
      L.mask,
      L.mask,
    ]);
  });
});
