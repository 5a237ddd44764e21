// The page's own words: the strings /api/info sends, in the language of the user's replies (their /settings choice,
// else the browser's). Put on the page's fixed parts (`data-i18n`, `data-i18n-placeholder`, `data-i18n-aria-label`)
// at start, and again when a reply arrives in another language (the user just changed it), so the page never
// speaks one language around replies in another.
import { setBaseTitle } from './unread.js';

let strings = {};
let locale = '';

export const tr = (key, fallback) => strings[key] ?? fallback ?? key;
export const currentStrings = () => strings;

/** Fetches the page's info and puts its words on the page; returns the info (commands, flags, banner…). */
export async function loadStrings() {
  const info = await (await fetch('/api/info')).json();
  strings = info.strings;
  locale = info.locale;
  document.documentElement.lang = info.locale;
  for (const node of document.querySelectorAll('[data-i18n]'))
    node.textContent = tr(node.dataset.i18n, node.textContent);
  for (const node of document.querySelectorAll('[data-i18n-placeholder]'))
    node.placeholder = tr(node.dataset.i18nPlaceholder, node.placeholder);
  for (const node of document.querySelectorAll('[data-i18n-aria-label]'))
    node.setAttribute('aria-label', tr(node.dataset.i18nAriaLabel, node.getAttribute('aria-label')));
  // Through unread.js, which may show a count or percent in front of it: a title set here would lose them.
  if (strings['web.title']) setBaseTitle(strings['web.title']);
  return info;
}

/** Whether a message is in another language than the page's words (an answer to /settings language). */
export const otherLanguage = (msg) =>
  typeof msg.locale === 'string' && locale !== '' && msg.locale !== locale;
