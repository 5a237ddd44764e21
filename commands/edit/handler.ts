// Image to image. Without a type the instruction's wording picks one (upstream gives every `edit_*` type the same
// system prompt, so `edit_replace` is "apply this instruction"); style transfer alone may come without text.
import { inferEditType, isKnownEditType, needsReferenceImage } from '../../engine/index.js';
import type { StoredRequest } from '../../src/jobs/index.js';
import { UserInputError } from '../errors.js';
import type { JobMaker } from '../job-command.js';
import { EDIT_FLAGS, type ParsedPrompt } from '../prompt.js';
import { quoted } from '../quoted-text.js';
import { definedOnly, sampling } from '../submit.js';
import { type Files, imageCount, imagePrompt, keepImage } from '../task-input.js';
import type { EditInput } from './spec.js';

export const edit: JobMaker<EditInput> = async (deps, ctx, input) => {
  // An inferred type is an `edit_*` one, which needs words; only a named type may come without them.
  const named = input.type;
  const { prompt, flags } = editPrompt(() =>
    imagePrompt(
      deps,
      input.instruction,
      input.seed,
      named === undefined || !needsReferenceImage(named),
      EDIT_FLAGS,
    ),
  );
  // Read from the instruction's words alone: flags typed before them (or kept by a follow-up: `--steps 8 remove
  // the fox`) would hide the verb the wording starts with.
  const editType = named ?? inferEditType(prompt);
  // The engine may infer a type the spec does not offer; it is refused here rather than in the worker.
  if (!isKnownEditType(editType)) throw new UserInputError('errors.edit.type', { type: quoted(editType) });
  if (needsReferenceImage(editType) && !input.reference) {
    throw new UserInputError('errors.edit.reference_missing', { type: editType });
  }
  const files: Files = {};
  const image = await keepImage(deps, files, input.image, 'input');
  const refImage = input.reference ? await keepImage(deps, files, input.reference, 'reference') : undefined;
  const { steps, cfg, temperature, seed } = sampling(deps, ctx, flags);
  const request: StoredRequest = {
    task: 'image_to_image',
    editType,
    prompt,
    image,
    ...(refImage ? { refImage } : {}),
    ...definedOnly({ steps, cfg, temperature }),
    seed,
    ...imageCount(input.images ?? flags.images, temperature, ctx.settings.images),
  };
  return { kind: 'edit', request, files };
};

/**
 * An edit is often no command the user typed (an image sent with words, a reply to a result): a flag it cannot take
 * is refused as one that does not work on an edit, not "with this command".
 */
function editPrompt(read: () => ParsedPrompt): ParsedPrompt {
  try {
    return read();
  } catch (error) {
    if (error instanceof UserInputError && error.key === 'errors.flag.not_here')
      throw new UserInputError('errors.edit.flag_not_here', error.params);
    throw error;
  }
}
