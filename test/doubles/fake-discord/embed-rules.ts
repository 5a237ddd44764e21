// Discord's embed limits (developers/resources/message.mdx, "Embed Limits"): each field's length, 25 fields, 10
// embeds, and 6000 characters across every embed of a message. The adapter sends none today; a message that
// ever does is held to them.
import type { RouteReply } from './errors.js';
import { badCount, badLength, firstOf, formError, required } from './form-error.js';
import type { JsonBody } from './store.js';

export const EMBEDS_MAX = 10;
export const EMBED_TITLE_MAX = 256;
export const EMBED_DESCRIPTION_MAX = 4096;
export const EMBED_FIELDS_MAX = 25;
export const EMBED_FIELD_NAME_MAX = 256;
export const EMBED_FIELD_VALUE_MAX = 1024;
export const EMBED_FOOTER_MAX = 2048;
export const EMBED_AUTHOR_MAX = 256;
/** Title, description, field names and values, footer and author name of all a message's embeds together. */
export const EMBEDS_TOTAL_MAX = 6000;

const textLength = (value: unknown) => (typeof value === 'string' ? value.length : 0);

/** The characters of one embed that count toward the 6000. */
function embedCharacters(embed: JsonBody): number {
  const fields: JsonBody[] = Array.isArray(embed?.fields) ? embed.fields : [];
  return (
    textLength(embed?.title) +
    textLength(embed?.description) +
    textLength(embed?.footer?.text) +
    textLength(embed?.author?.name) +
    fields.reduce((sum, field) => sum + textLength(field?.name) + textLength(field?.value), 0)
  );
}

/** One embed's own limits. */
export function invalidEmbed(embed: JsonBody, path: string): RouteReply | undefined {
  const fields: JsonBody[] = Array.isArray(embed?.fields) ? embed.fields : [];
  return firstOf([
    () => badLength(embed?.title, `${path}.title`, EMBED_TITLE_MAX),
    () => badLength(embed?.description, `${path}.description`, EMBED_DESCRIPTION_MAX),
    () => badLength(embed?.footer?.text, `${path}.footer.text`, EMBED_FOOTER_MAX),
    () => badLength(embed?.author?.name, `${path}.author.name`, EMBED_AUTHOR_MAX),
    () => badCount(embed?.fields, `${path}.fields`, EMBED_FIELDS_MAX),
    ...fields.map((field, index) => () => {
      const at = `${path}.fields.${index}`;
      if (typeof field?.name !== 'string' || field.name === '') return required(`${at}.name`);
      if (typeof field?.value !== 'string' || field.value === '') return required(`${at}.value`);
      return (
        badLength(field.name, `${at}.name`, EMBED_FIELD_NAME_MAX) ??
        badLength(field.value, `${at}.value`, EMBED_FIELD_VALUE_MAX)
      );
    }),
  ]);
}

/** A message's embeds: at most 10, each within its limits, 6000 characters in all. */
export function invalidEmbeds(embeds: unknown): RouteReply | undefined {
  if (!Array.isArray(embeds)) return undefined;
  const total = embeds.reduce((sum: number, embed: JsonBody) => sum + embedCharacters(embed), 0);
  return firstOf([
    () => badCount(embeds, 'embeds', EMBEDS_MAX),
    ...embeds.map((embed: JsonBody, index) => () => invalidEmbed(embed, `embeds.${index}`)),
    () =>
      total > EMBEDS_TOTAL_MAX
        ? formError(
            'embeds',
            'MAX_EMBED_SIZE_EXCEEDED',
            `Embed size exceeds maximum size of ${EMBEDS_TOTAL_MAX}`,
          )
        : undefined,
  ]);
}
