// "Show older": one page of history at a time, however fast it is pressed (two requests for the same page showed its
// messages twice). Once no older messages are left it goes, and the keyboard that pressed it goes on from the
// oldest message now shown rather than from the top of the page (focus-rescue.js).
import { isBusy, setBusy } from './busy.js';
import { hideKeepingFocus } from './focus-rescue.js';
import { tr } from './strings.js';

/**
 * @param {HTMLButtonElement} button
 * @param {() => Promise<{ more: boolean, oldest: Element | null } | undefined>} loadOlder shows the page before the
 *   oldest shown; says whether there are more, and the oldest element it showed (undefined: nothing was loaded)
 */
export function wireOlder(button, loadOlder) {
  button.addEventListener('click', async () => {
    if (isBusy(button)) return;
    setBusy([button], true);
    try {
      const shown = await loadOlder();
      if (!shown || shown.more) return;
      const oldest = shown.oldest ?? document.querySelector('#log > li') ?? document.getElementById('text');
      hideKeepingFocus(button, oldest, () =>
        tr('web.history_start', 'This is the start of the conversation: there are no older messages.'),
      );
    } catch {
      // Out of reach just now (the connection notice says so): the button stays, to press again.
    } finally {
      setBusy([button], false);
    }
  });
}
