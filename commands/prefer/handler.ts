// /prefer: saves, shows, deletes or lists the user's custom options; a value is checked as a prompt line would be,
// so a mistake is said now, not at every later use.
import { ownerKey } from '../../src/jobs/index.js';
import type { CommandContext, Operation } from '../context.js';
import {
  type CustomOptions,
  checkCustomOptionName,
  checkCustomOptionValue,
  customOptionName,
  isCustomOptionName,
  MAX_CUSTOM_OPTION_NAME,
  MAX_CUSTOM_OPTIONS,
} from '../custom-options.js';
import type { CommandDeps } from '../deps.js';
import { UserInputError } from '../errors.js';
import { quoted } from '../quoted-text.js';
import type { Reply, ReplyText } from '../reply.js';
import type { PreferInput } from './spec.js';

/** What deletes an option, as `/settings no off` clears the default negative prompt. */
const DELETES = /^(off|none|-|—|✗)$/i;

export const prefer: Operation<PreferInput> = async (deps, ctx, input) => {
  const options: CustomOptions = ctx.settings.options ?? {};
  const typedName = input.option?.trim() ?? '';
  const value = input.value?.trim() ?? '';
  if (typedName === '') {
    if (value !== '') throw new UserInputError('errors.prefer.option_missing');
    return answer(listOf(options));
  }
  const name = customOptionName(typedName);
  const current = Object.hasOwn(options, name) ? options[name] : undefined;
  if (value === '' || DELETES.test(value)) {
    // A name no option can have (`/prefer --`) is said to be no name, not an option the user lacks.
    if (current === undefined && !isCustomOptionName(name))
      throw new UserInputError('errors.prefer.name', {
        name: quoted(typedName),
        max: MAX_CUSTOM_OPTION_NAME,
      });
    // Answered rather than thrown: a typed line's answer then ends with how to make one (the spec's footer).
    if (current === undefined) return answer([{ key: 'errors.prefer.unknown', params: { name } }]);
    if (value === '') return answer([{ key: 'prefer.item', params: { name, value: current } }]);
    const { [name]: _deleted, ...kept } = options;
    save(deps, ctx, kept);
    return answer([{ key: 'prefer.deleted', params: { name, value: current } }]);
  }
  checkCustomOptionName(
    name,
    deps.registry.specs.flatMap((spec) => Object.keys(spec.text?.named ?? {})),
    typedName,
  );
  checkCustomOptionValue(value, deps.config.limits.blockedWords);
  if (current === undefined && Object.keys(options).length >= MAX_CUSTOM_OPTIONS)
    throw new UserInputError('errors.prefer.limit', { max: MAX_CUSTOM_OPTIONS });
  save(deps, ctx, { ...options, [name]: value });
  return answer([{ key: 'prefer.saved', params: { name, value } }]);
};

function listOf(options: CustomOptions): ReplyText[] {
  const names = Object.keys(options).sort();
  if (names.length === 0) return [{ key: 'prefer.none' }];
  return [
    { key: 'prefer.list', params: { count: names.length, max: MAX_CUSTOM_OPTIONS } },
    ...names.map((name) => ({ key: 'prefer.item', params: { name, value: options[name] ?? '' } })),
  ];
}

function save(deps: CommandDeps, ctx: CommandContext, options: CustomOptions): void {
  const { options: _old, ...rest } = ctx.settings;
  const next = Object.keys(options).length > 0 ? { ...rest, options: { ...options } } : rest;
  deps.store.saveSettings(ownerKey(ctx.user), next);
  ctx.settings = next;
}

function answer(text: ReplyText[]): Reply {
  return { text, ephemeral: true };
}
