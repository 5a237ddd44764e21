// Under a result: the prompt and settings it was made from, a link to the result it came from, and "Copy prompt"
// and "Reuse seed", which fill the message box.
import { say } from './status.js';
import { tr } from './strings.js';
import { withoutFlag } from './typed-dashes.js';

const $ = (id) => document.getElementById(id);
const el = (tag, props = {}, ...children) => {
  const node = Object.assign(document.createElement(tag), props);
  node.append(...children);
  return node;
};

/** The prompt and settings a result was made from, with "copy prompt" and "reuse seed". */
export function contextRow(c, messageOf) {
  const box = el('div', { className: 'context' });
  if (c.prompt) box.append(el('p', { className: 'prompt', textContent: c.prompt }));
  const meta = el('p', { className: 'meta', textContent: c.label });
  if (c.parentJobId) {
    const link = el('a', {
      href: `#job-${c.parentJobId}`,
      textContent: `${tr('web.context.parent', 'from')} #${c.parentJobId.slice(0, 8)}`,
      className: 'parent',
    });
    link.addEventListener('click', (e) => {
      e.preventDefault();
      const parent = messageOf(c.parentJobId);
      // Deleted, or older than the history loaded: a press that did nothing would leave the user guessing.
      if (!parent) return say(tr('web.parent_missing', 'The result this came from is not on the page.'));
      parent.scrollIntoView({ block: 'center' });
      // The keyboard follows the eye: the next Tab goes on from the parent, and a screen reader reads it out.
      if (!parent.hasAttribute('tabindex')) parent.tabIndex = -1;
      parent.focus({ preventScroll: true });
    });
    // The separator is the label's, not the link's: underlined, it read as part of what the link says.
    meta.append(' · ', link);
  }
  box.append(meta);
  const tools = el('div', { className: 'buttons context-tools' });
  // A /describe asked with no words has no prompt: its Copy would only empty the message box.
  if (c.prompt) {
    const copy = el('button', { type: 'button', textContent: tr('web.copy_prompt', 'Copy prompt') });
    copy.dataset.tool = 'copy-prompt';
    copy.addEventListener('click', () => {
      navigator.clipboard?.writeText(c.prompt).catch(() => undefined);
      $('text').value = c.task.startsWith('text_to_image') ? `/imagine ${c.prompt}` : c.prompt;
      $('text').focus();
    });
    tools.append(copy);
  }
  if (c.seed !== undefined) {
    const reuse = el('button', { type: 'button', textContent: tr('web.reuse_seed', 'Reuse seed') });
    reuse.dataset.tool = 'reuse-seed';
    reuse.addEventListener('click', () => {
      // A seed typed in the box already, in any form the server reads (`ーーseed １２`), gives way to this one.
      const text = withoutFlag($('text').value, 'seed');
      $('text').value = `${text || `/imagine ${c.prompt}`} --seed ${c.seed}`;
      $('text').focus();
    });
    tools.append(reuse);
  }
  if (tools.childElementCount > 0) box.append(tools);
  return box;
}
