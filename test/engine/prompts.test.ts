import { describe, expect, it } from 'vitest';
import { EngineError } from '../../engine/api.js';
import {
  EDIT_TYPES,
  FALLBACK_SYSTEM_PROMPT,
  imageToImagePrompt,
  isKnownEditType,
  SYSTEM_PROMPTS,
  textToImagePrompt,
  understandingPrompt,
} from '../../engine/prompts.js';

describe('prompts', () => {
  it('builds the text-to-image pair with the literal <uncondition>', () => {
    expect(textToImagePrompt('a cat')).toEqual({
      cond: '<system>Generate an image according to the text prompt.</system><user>a cat</user>',
      uncond: '<system>Generate an image according to the text prompt.</system><user><uncondition></user>',
    });
  });

  it('builds the understanding prompt with the MMU system text', () => {
    expect(understandingPrompt('What is this?')).toBe(
      `<system>${SYSTEM_PROMPTS.text_understanding}</system><user>What is this?</user>`,
    );
  });

  // Upstream's table (dimoo-inference.md §3.2): edit type → [system, user].
  const table: Array<[string, string, string]> = [
    ['edit_add', SYSTEM_PROMPTS.image_editing, 'P'],
    ['edit_remove', SYSTEM_PROMPTS.image_editing, 'P'],
    ['edit_replace', SYSTEM_PROMPTS.image_editing, 'P'],
    ['edit_background', SYSTEM_PROMPTS.image_editing, 'P'],
    ['edit_text_transfer', SYSTEM_PROMPTS.image_editing, 'P'],
    ['subject_driven', SYSTEM_PROMPTS.subject_generation, 'P'],
    ['canny_control', SYSTEM_PROMPTS.control_generation, 'P'],
    ['hed_control', SYSTEM_PROMPTS.control_generation, 'P'],
    ['depth_control', SYSTEM_PROMPTS.control_generation, 'P'],
    ['openpose_control', SYSTEM_PROMPTS.control_generation, 'P'],
    [
      'image_ref_transfer',
      SYSTEM_PROMPTS.style_transfer,
      'Transform the current image into the style of the provided image.',
    ],
    [
      'multi_view_left',
      SYSTEM_PROMPTS.multi_view,
      'Generate the left view based on the provided front view.',
    ],
    [
      'multi_view_back',
      SYSTEM_PROMPTS.multi_view,
      'Generate the back view based on the provided front view.',
    ],
    // The official *_pred names contain no "dense": upstream's fallback, user text verbatim.
    ['canny_pred', FALLBACK_SYSTEM_PROMPT, 'P'],
    ['hed_pred', FALLBACK_SYSTEM_PROMPT, 'P'],
    ['depth_pred', FALLBACK_SYSTEM_PROMPT, 'P'],
    ['openpose_pred', FALLBACK_SYSTEM_PROMPT, 'P'],
  ];
  it.each(table)('%s → upstream system and user text', (editType, system, user) => {
    const p = imageToImagePrompt(editType, 'P');
    expect(p.system).toBe(system);
    expect(p.user).toBe(user);
    expect(p.cond).toBe(`<system>${system}</system><user>${user}</user>`);
    expect(p.uncond).toBe(`<system>${system}</system><user><uncondition></user>`);
  });

  it('covers every listed edit type in the table', () => {
    const tested = new Set(table.map(([t]) => t));
    for (const t of EDIT_TYPES) expect(tested.has(t)).toBe(true);
  });

  it.each([
    ['canny_pred', 'Generate a canny edge map according to the image.'],
    ['hed_pred', 'Generate a hed edge map according to the image.'],
    ['depth_pred', 'Generate a depth map according to the image.'],
    ['openpose_pred', 'Generate a pose estimation map according to the image.'],
  ])('densePrompt option gives %s the dense_prediction rule', (editType, user) => {
    const p = imageToImagePrompt(editType, 'ignored', { densePrompt: true });
    expect(p.system).toBe(SYSTEM_PROMPTS.dense_prediction);
    expect(p.user).toBe(user);
  });

  it('densePrompt does not change non-prediction types', () => {
    expect(imageToImagePrompt('canny_control', 'P', { densePrompt: true }).system).toBe(
      SYSTEM_PROMPTS.control_generation,
    );
  });

  it('gives *_pred a task prompt when the user sends none, and keeps user text verbatim', () => {
    expect(imageToImagePrompt('depth_pred', '  ').user).toBe('Generate a depth map according to the image.');
    expect(imageToImagePrompt('edit_add', ' add a hat ').user).toBe(' add a hat ');
  });

  it('ignores the prompt for style transfer and multi-view, as upstream does', () => {
    expect(imageToImagePrompt('image_ref_transfer', '').user).toContain('style of the provided image');
    expect(imageToImagePrompt('multi_view_right', '').user).toContain('right view');
  });

  it.each(['edit_rotate', 'inpaint', '', 'multi_view_', 'Edit_add', 'canny_dense'])(
    'refuses unknown edit type %j with bad_request',
    (editType) => {
      expect(isKnownEditType(editType)).toBe(false);
      try {
        imageToImagePrompt(editType, 'P');
        expect.unreachable();
      } catch (err) {
        expect(err).toBeInstanceOf(EngineError);
        expect((err as EngineError).code).toBe('bad_request');
        expect((err as EngineError).message).toContain('unknown edit type');
      }
    },
  );

  it('refuses an empty instruction for an edit', () => {
    expect(() => imageToImagePrompt('edit_remove', '   ')).toThrow(/needs a prompt/);
  });
});
