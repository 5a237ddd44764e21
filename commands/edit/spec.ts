// /edit: an image changed by an instruction; the edit family (control, subject, reference…) as a choice.
import { z } from 'zod';
import { imageOption, imagesOption, promptLine, seedOption } from '../options.js';
import { attachment, type CommandSpec } from '../spec.js';

export const EDIT_TYPE_CHOICES = [
  'edit_replace',
  'edit_add',
  'edit_remove',
  'edit_background',
  'edit_text_transfer',
  'subject_driven',
  'image_ref_transfer',
  'canny_control',
  'depth_control',
  'hed_control',
  'openpose_control',
  'canny_pred',
  'depth_pred',
  'hed_pred',
  'openpose_pred',
] as const;

export const editSpec = {
  name: 'edit',
  permutes: 'instruction',
  options: z.object({
    image: imageOption,
    instruction: promptLine(),
    type: z.enum(EDIT_TYPE_CHOICES).meta({ labelPrefix: 'choice.edit_type' }).optional(),
    reference: attachment().optional(),
    seed: seedOption.optional(),
    images: imagesOption.optional(),
  }),
  text: { rest: 'instruction', named: { type: 'type' } },
} satisfies CommandSpec;

export type EditInput = z.output<typeof editSpec.options>;
