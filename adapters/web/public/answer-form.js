// The inline form a button's question is answered in: how to edit (Edit), or the line to change (Remix, Custom
// zoom, Vary (Region), filled in with `ask.value`), with the composer's palette for the flags (`--steps`…). Escape
// closes an open palette first, then the form, giving the keyboard back to the button that opened it. An answer the
// bot refused (a flag out of range) keeps its form open with the words as typed, the refusal under the box, where
// the one who typed it is, not at the bottom of the page: they put it right and send again.

import { isBusy, setBusy } from './busy.js';
import { draftOf, keepDraft } from './drafts.js';
import { lineWithFlags } from './flag-text.js';
import { attachPalette } from './palette.js';
import { say } from './status.js';
import { tr } from './strings.js';

const el = (tag, props = {}, ...children) => {
  const node = Object.assign(document.createElement(tag), props);
  node.append(...children);
  return node;
};

/**
 * The commands' refusal of an answer longer than any line they take (`maxLineChars` of /api/info, counted as they
 * count, an emoji as one), in their words, or undefined: such an answer is refused here, rather than sent to be.
 */
function tooLong(answer, maxLineChars) {
  const words = tr('errors.line_too_long', '');
  if (!maxLineChars || !words) return undefined;
  const length = [...answer].length;
  return length > maxLineChars ? words.replaceAll('{length}', String(length)) : undefined;
}

/**
 * Opens the form for button `id` in message `li`. `send(answer, open)` delivers the answer: false when the bot could
 * not be reached (already said), the reply when the bot refused it (`refused`) while `open()` says the form still
 * is (closed meanwhile, the page shows the refusal as any reply), anything else once it was taken.
 */
export function answerForm(id, li, ask, { flags, maxLineChars, send }) {
  // One form a message, the pressed button's: an Edit's words must not go out as the Remix open before it.
  const open = li.querySelector('form.edit-form');
  if (open?.dataset.action === id) return open.querySelector('textarea').focus();
  open?.remove();
  const opener = li.querySelector(`button[data-action="${CSS.escape(id)}"]`);
  const label = ask?.label ?? tr('web.edit_prompt', 'How should it change?');
  // A /imagine line with its options is long: a box that grows shows all of it, under a label that stays.
  // Its words as last typed in this tab (kept over a reload, which closes every form), else the bot's line.
  const input = el('textarea', { required: true, rows: 2, value: draftOf(id) || (ask?.value ?? '') });
  const draft = keepDraft(input, id);
  input.id = `answer-${id.replace(/\W/g, '-')}`;
  const caption = el('label', { htmlFor: input.id, textContent: label });
  const submit = el('button', { type: 'submit', textContent: tr('web.send', 'Send'), className: 'primary' });
  const cancel = el('button', { type: 'button', textContent: tr('web.close', 'Close') });
  // Worded again with the page's fixed parts (strings.js) when the language changes while the form is open; the
  // words typed in the box are the user's and stay. A question whose label has no key keeps the label it came with.
  const captionKey = ask?.label ? ask.labelKey : 'web.edit_prompt';
  if (captionKey) caption.dataset.i18n = captionKey;
  submit.dataset.i18n = 'web.send';
  cancel.dataset.i18n = 'web.close';
  const actions = el('div', { className: 'buttons' }, submit, cancel);
  const list = el('ul', { className: 'palette', id: `${input.id}-palette`, hidden: true });
  const refusal = el('div', { className: 'refusal', id: `${input.id}-refusal`, hidden: true });
  const form = el('form', { className: 'edit-form' }, caption, input, list, refusal, actions);
  form.dataset.action = id;
  // Its keys come first (on the box): one it used (Escape, Tab, Enter on a chosen row) is not the form's.
  attachPalette(input, list, { commands: [], flags });
  // Closed on purpose, or its words taken: they are not to come back.
  const close = () => {
    draft.forget();
    form.remove();
    // Back to the button that opened it (the page would otherwise drop the keyboard on <body>).
    if (opener?.isConnected) opener.focus();
  };
  cancel.addEventListener('click', close);
  form.addEventListener('keydown', (e) => {
    if (e.defaultPrevented) return;
    if (e.key === 'Escape') {
      e.preventDefault();
      close();
    } else if (e.key === 'Enter' && !e.shiftKey && !e.isComposing && e.target === input) {
      e.preventDefault();
      form.requestSubmit();
    }
  });
  const fitHeight = () => {
    input.style.height = 'auto';
    input.style.height = `${input.scrollHeight + 2}px`;
  };
  input.addEventListener('input', fitHeight);
  /** The bot's refusal under the box: the box is described by it (read again as the keyboard comes back). */
  const refused = (msg) => {
    refusal.replaceChildren(...msg.lines.map(lineWithFlags));
    refusal.hidden = false;
    input.setAttribute('aria-invalid', 'true');
    input.setAttribute('aria-describedby', refusal.id);
    // Said as the page says a reply of no job (status.js): the refusal is no message of the conversation now.
    if (msg.lines[0]) say(msg.lines[0]);
  };
  const cleared = () => {
    refusal.replaceChildren();
    refusal.hidden = true;
    input.removeAttribute('aria-invalid');
    input.removeAttribute('aria-describedby');
  };
  // The browser's own check of the required box would say so in its language, not the page's, in a bubble that
  // goes, and not at all of spaces alone: an empty answer is refused below, in the form, as the bot's refusals are.
  form.noValidate = true;
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    if (isBusy(submit)) return;
    const answer = input.value.trim();
    // Not sent (a blank Remix of a retouch would run it again unchanged), and a refusal of the words that were
    // there before gives way: it would say something untrue of an empty box.
    if (!answer) {
      refused({ lines: [tr('web.answer_empty', 'The box is empty: type your answer, or press Close.')] });
      return input.focus();
    }
    const over = tooLong(answer, maxLineChars);
    if (over) {
      refused({ lines: [over] });
      return input.focus();
    }
    setBusy([submit], true);
    // Not delivered (the server restarting, the network gone), or refused: the answer stays in its box, to send
    // again. The answer names its button, so a server started since answers it as the one that asked would have.
    const reply = await send(answer, () => form.isConnected);
    if (reply === false || reply?.refused) {
      // Not reached, the bot said nothing of these words: a refusal of earlier ones would now mislead.
      if (reply) refused(reply);
      else cleared();
      setBusy([submit], false);
      return input.focus();
    }
    close();
  });
  li.append(form);
  fitHeight();
  input.focus();
}
