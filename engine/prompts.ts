// Prompt text exactly as upstream builds it (dimoo-inference.md §3).
// @see Alpha-VLLM/Lumina-DiMOO utils/prompt_utils.py: create_prompt_templates, generate_image_to_image_prompt
import { EngineError } from './api.js';

/** System prompts, keyed like upstream's `create_prompt_templates`. */
export const SYSTEM_PROMPTS = Object.freeze({
  text_understanding:
    'You are a multimodal model that can process both text and images. Answer the following question based on the provided images. Analyze each image and combine relevant details to answer.',
  image_generation: 'Generate an image according to the text prompt.',
  image_editing: 'Generate an image applying the following editing instruction based on the original image.',
  dense_prediction: 'Perform dense prediction on the given images.',
  control_generation: 'Generate an image according to the text prompt and the given control image.',
  subject_generation: 'Generate an image according to the text prompt and the given object image.',
  multi_view: 'Generate a view-image based on the given image.',
  style_transfer: 'Transform the current image into the style of the provided image.',
});

/** The system prompt of `generate_image_to_image_prompt` when no rule matches (this includes `*_pred`). */
export const FALLBACK_SYSTEM_PROMPT = 'Generate an image according to the prompt and image.';

/** The user text upstream forces for style transfer (the user's prompt is ignored). */
export const STYLE_TRANSFER_USER_PROMPT = 'Transform the current image into the style of the provided image.';

/** The literal that replaces the user text in every unconditional (CFG) prompt. */
export const UNCONDITION = '<uncondition>';

/** Asked when an understanding request has no question. */
export const DEFAULT_UNDERSTANDING_QUESTION = 'Describe this image in detail.';

// Map names for the dense-prediction user prompt, keyed by the edit type's first `_` part.
const DENSE_MAP_NAMES: Readonly<Record<string, string>> = {
  canny: 'canny edge map',
  hed: 'hed edge map',
  normal: 'normal map',
  sam2mask: 'sam2 mask',
  depth: 'depth map',
  openpose: 'pose estimation map',
};

/** The edit types upstream's README documents, and the ones its prompt rules handle. */
export const EDIT_TYPES = Object.freeze([
  'edit_add',
  'edit_remove',
  'edit_replace',
  'edit_background',
  'edit_text_transfer',
  'subject_driven',
  'canny_control',
  'hed_control',
  'depth_control',
  'openpose_control',
  'image_ref_transfer',
  'canny_pred',
  'hed_pred',
  'depth_pred',
  'openpose_pred',
] as const);

/** `multi_view_<dir>`: upstream reads the direction from the last `_` part. */
const MULTI_VIEW = /^multi_view_([a-z]+)$/;

export function isKnownEditType(editType: string): boolean {
  return (EDIT_TYPES as readonly string[]).includes(editType) || MULTI_VIEW.test(editType);
}

/** The edit types whose output is guided by two input images (content, then style). */
export function needsReferenceImage(editType: string): boolean {
  return editType.includes('ref_transfer');
}

/** A `<system>…</system><user>…</user>` turn, tokenized later as one string (no chat template). */
export function chatPrompt(system: string, user: string): string {
  return `<system>${system}</system><user>${user}</user>`;
}

export interface PromptPair {
  /** The conditional prompt. */
  cond: string;
  /** The same system prompt with the user text replaced by `<uncondition>`. */
  uncond: string;
}

/**
 * Text-to-image and painting (§3.1, §3.3). A `negative` text takes `<uncondition>`'s place in the guidance branch,
 * as a negative prompt does in other diffusion models: guidance then steers away from it.
 */
export function textToImagePrompt(prompt: string, negative?: string): PromptPair {
  const away = negative?.trim() ? negative.trim() : UNCONDITION;
  return {
    cond: chatPrompt(SYSTEM_PROMPTS.image_generation, prompt),
    uncond: chatPrompt(SYSTEM_PROMPTS.image_generation, away),
  };
}

/** Image understanding (§3.4). */
export function understandingPrompt(question: string): string {
  return chatPrompt(SYSTEM_PROMPTS.text_understanding, question);
}

export interface ImageToImagePrompt extends PromptPair {
  system: string;
  user: string;
}

export interface ImageToImagePromptOptions {
  /**
   * Upstream's official dense-prediction names (`canny_pred`, …) contain no `dense`, so they fall through to the
   * fallback system prompt with the user's text verbatim (dimoo-inference.md §3.2, §9.3). With this option they
   * take the `dense_prediction` rule instead: its system prompt and `Generate a <map> according to the image.`
   */
  densePrompt?: boolean;
}

function densePredictionUser(editType: string): string {
  const map = DENSE_MAP_NAMES[editType.split('_')[0] ?? ''] ?? 'dense map';
  return `Generate a ${map} according to the image.`;
}

function badRequest(detail: string): EngineError {
  return new EngineError('bad_request', detail, { detail });
}

/** Upstream's image-to-image prompt rules, tried in order: the first whose test holds names the system prompt. */
const IMAGE_TO_IMAGE_RULES: ReadonlyArray<{
  when: (editType: string, densePrompt: boolean) => boolean;
  system: string;
  user: (editType: string, prompt: string) => string;
}> = [
  {
    when: (type, densePrompt) => type.includes('dense') || densePrompt,
    system: SYSTEM_PROMPTS.dense_prediction,
    user: (type) => densePredictionUser(type),
  },
  { when: (type) => type.includes('control'), system: SYSTEM_PROMPTS.control_generation, user: (_, p) => p },
  { when: (type) => type.includes('subject'), system: SYSTEM_PROMPTS.subject_generation, user: (_, p) => p },
  { when: (type) => type.includes('edit'), system: SYSTEM_PROMPTS.image_editing, user: (_, p) => p },
  {
    when: (type) => type.includes('ref_transfer'),
    system: SYSTEM_PROMPTS.style_transfer,
    user: () => STYLE_TRANSFER_USER_PROMPT,
  },
  {
    when: (type) => type.includes('multi_view'),
    system: SYSTEM_PROMPTS.multi_view,
    user: (type) => `Generate the ${type.split('_').at(-1)} view based on the provided front view.`,
  },
];

/**
 * The system and user text for an image-to-image request, by upstream's rules: substring tests in the order
 * `dense`, `control`, `subject`, `edit`, `ref_transfer`, `multi_view`, else the fallback.
 * Unknown edit types are refused rather than silently taking the fallback.
 */
export function imageToImagePrompt(
  editType: string,
  userPrompt: string,
  options: ImageToImagePromptOptions = {},
): ImageToImagePrompt {
  if (!isKnownEditType(editType)) {
    throw badRequest(
      `unknown edit type "${editType}"; expected one of ${EDIT_TYPES.join(', ')}, or multi_view_<direction>`,
    );
  }
  const isPred = editType.endsWith('_pred');
  // Verbatim, as upstream tokenizes it; only the emptiness test ignores whitespace.
  const prompt = userPrompt.trim() === '' ? '' : userPrompt;
  const rule = IMAGE_TO_IMAGE_RULES.find(({ when }) =>
    when(editType, isPred && options.densePrompt === true),
  );
  const system = rule?.system ?? FALLBACK_SYSTEM_PROMPT;
  // Upstream's README passes the task as the prompt for *_pred; a chat user may send none.
  const user = rule
    ? rule.user(editType, prompt)
    : prompt || (isPred ? densePredictionUser(editType) : prompt);
  if (user === '') throw badRequest(`edit type "${editType}" needs a prompt`);
  return { system, user, cond: chatPrompt(system, user), uncond: chatPrompt(system, UNCONDITION) };
}

/**
 * The `edit_*` type an instruction asks for when none is named ("remove the hat" → `edit_remove`). Upstream gives
 * every `edit_*` type the same system prompt with the instruction verbatim, so this only names the edit (in labels
 * and PNG parameters); the other families (control, subject, ref, pred) change the task and are chosen on purpose.
 */
export function inferEditType(instruction: string): string {
  const text = instruction.trim().toLowerCase();
  if (/^(remove|delete|erase|get rid of|take (away|out)|删除|去掉|移除|擦除)/.test(text))
    return 'edit_remove';
  if (/\bbackground\b|背景/.test(text)) return 'edit_background';
  if (/^(add|put|place|insert|give|添加|加上|增加|放)/.test(text)) return 'edit_add';
  return 'edit_replace';
}
