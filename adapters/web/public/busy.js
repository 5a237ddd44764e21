// A pressed button waits for its answer marked busy (aria-disabled) rather than disabled: a disabled button loses
// the keyboard focus (Chromium hands it to <body>), and whoever pressed Re-roll, Cancel or Send from the keyboard
// or a screen reader was put back at the top of the page. A press while busy is ignored by its handler, as the
// browser ignored one on a disabled button.

/** @param {HTMLButtonElement} button */
export const isBusy = (button) => button.getAttribute('aria-disabled') === 'true';

/** @param {Iterable<HTMLButtonElement>} buttons @param {boolean} busy */
export function setBusy(buttons, busy) {
  for (const button of buttons) {
    if (busy) button.setAttribute('aria-disabled', 'true');
    else button.removeAttribute('aria-disabled');
  }
}
