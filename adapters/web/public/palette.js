// The composer's suggestions, as Discord offers them while a command is typed: `/` lists the commands, `/cancel `
// the user's running and waiting jobs, `/prefer ` their custom options, `/retouch … --box ` the named regions, and a
// word starting with `--` (or a keyboard's `—`, `ーー`, read as the server reads them: typed-dashes.js) the flags and
// the user's own options. Arrow keys move, Tab (or Enter after moving) takes one, Escape closes. The jobs and
// options come from the server (`/api/suggest`, the same answers Discord's autocomplete gets).
// The inline forms (Edit, Remix, Custom zoom, Vary (Region)) get one each, for the flags only; its keys come before
// theirs, so an Escape that closes the list is not the one that closes the form.

import { tr } from './strings.js';
import { flagAtEnd, optionValueStart } from './typed-dashes.js';

/** Lines whose last word the server completes: the command, its option, and the word typed so far. */
const ASKED = [
  { pattern: /^\/cancel\s+(\S*)$/i, command: 'cancel', option: 'job', insert: (v) => `/cancel ${v} ` },
  { pattern: /^\/prefer\s+(\S*)$/i, command: 'prefer', option: 'option', insert: (v) => `/prefer ${v} ` },
  // A region after /retouch's --box (the last of a list), its dashes and name typed any way the server reads them:
  // the line before it is kept, and the name is asked for as typed in plain letters (`ｃｅｎ` → `center`).
  {
    pattern: new RegExp(`^(\\/retouch\\s(?:.*\\s)?${optionValueStart('box')})(\\S*)$`, 'i'),
    command: 'retouch',
    option: 'boxes',
    typed: (word) => word.normalize('NFKC'),
    insert: (v, m) => `${m[1]}${v} `,
  },
];
const DEBOUNCE_MS = 120;

/**
 * Wires the palette to the composer's text input.
 * @param {HTMLInputElement} input
 * @param {HTMLElement} list an empty element to fill with the suggestions (a listbox)
 * @param {{ commands: Array<{ name: string, description: string }>, flags: string[] }} info
 */
export function attachPalette(input, list, info) {
  let items = [];
  let active = -1;
  let moved = false;
  let asked = 0;
  let timer;

  list.setAttribute('role', 'listbox');
  // A listbox needs a name; the composer's follows the page's language (index.html's data-i18n-aria-label).
  list.setAttribute('aria-label', tr('web.suggestions_label', 'Suggestions'));
  input.setAttribute('role', 'combobox');
  input.setAttribute('aria-autocomplete', 'list');
  input.setAttribute('aria-controls', list.id);
  input.setAttribute('aria-expanded', 'false');

  const close = () => {
    // An answer still on its way is not wanted any more.
    clearTimeout(timer);
    asked += 1;
    items = [];
    active = -1;
    moved = false;
    list.replaceChildren();
    list.hidden = true;
    input.setAttribute('aria-expanded', 'false');
    input.removeAttribute('aria-activedescendant');
  };

  const render = () => {
    if (items.length === 0) return close();
    list.replaceChildren(
      ...items.map((item, i) => {
        const li = document.createElement('li');
        li.id = `${list.id}-${i}`;
        li.setAttribute('role', 'option');
        li.setAttribute('aria-selected', String(i === active));
        const label = document.createElement('span');
        label.className = 'palette-label';
        label.textContent = item.label;
        li.append(label);
        if (item.detail) {
          const detail = document.createElement('span');
          detail.className = 'palette-detail';
          detail.textContent = item.detail;
          li.append(detail);
        }
        // mousedown, not click: the input keeps its focus.
        li.addEventListener('mousedown', (e) => {
          e.preventDefault();
          take(item);
        });
        return li;
      }),
    );
    list.hidden = false;
    input.setAttribute('aria-expanded', 'true');
    if (active >= 0) {
      input.setAttribute('aria-activedescendant', `${list.id}-${active}`);
      list.children[active]?.scrollIntoView({ block: 'nearest' });
    } else input.removeAttribute('aria-activedescendant');
  };

  const show = (next) => {
    // A row chosen with the arrows while this answer was on its way stays chosen where the answer still offers it:
    // reset, the Enter meant to take it would send the line instead.
    const chosen = moved ? items[active]?.label : undefined;
    items = next.slice(0, 25);
    const kept = chosen === undefined ? -1 : items.findIndex((item) => item.label === chosen);
    active = kept >= 0 ? kept : items.length > 0 ? 0 : -1;
    moved = kept >= 0;
    render();
  };

  const take = (item) => {
    input.value = item.insert;
    close();
    input.focus();
    input.setSelectionRange(input.value.length, input.value.length);
    update();
  };

  const suggestions = async (command, option, typed) => {
    const query = new URLSearchParams({ command, option, typed });
    const res = await fetch(`/api/suggest?${query}`);
    return res.ok ? (await res.json()).suggestions : [];
  };

  const update = () => {
    clearTimeout(timer);
    // What was chosen belonged to the line before this keystroke.
    moved = false;
    const value = input.value;
    // Only the end of the line is completed.
    if (input.selectionStart !== value.length) return close();
    const command = /^\/(\S*)$/.exec(value);
    if (command) {
      const typed = command[1].toLowerCase();
      return show(
        info.commands
          .filter((c) => c.name.startsWith(typed))
          .map((c) => ({ label: `/${c.name}`, detail: c.description, insert: `/${c.name} ` })),
      );
    }
    const rule = ASKED.find((r) => r.pattern.test(value));
    const flag = flagAtEnd(value);
    if (!rule && !flag) return close();
    // The list shown was asked for an earlier line: until this line's answer comes, only what still completes it
    // stays, so a Tab quicker than the answer never takes a suggestion for the word as it was (`--size` for `--st`).
    const kept = items.filter((item) => item.still?.(value));
    if (kept.length < items.length) show(kept);
    const ticket = ++asked;
    timer = setTimeout(async () => {
      let next = [];
      try {
        if (rule) {
          const match = rule.pattern.exec(value);
          const typed = match[match.length - 1];
          // The line before the word (the /retouch rule's first group; the others have none) and the word as asked.
          const head = (m) => (m.length > 2 ? m[1] : '');
          const plain = (word) => (rule.typed?.(word) ?? word).toLowerCase();
          next = (await suggestions(rule.command, rule.option, rule.typed?.(typed) ?? typed)).map((s) => ({
            label: s.label,
            insert: rule.insert(s.value, match),
            still: (line) => {
              const m = rule.pattern.exec(line);
              return (
                m !== null &&
                head(m) === head(match) &&
                s.value.toLowerCase().startsWith(plain(m[m.length - 1]))
              );
            },
          }));
        } else {
          // Asked for and replaced as the server reads it: `ーーｓｔ` is `--st`, and what is taken is `--steps`.
          const word = flag.flag;
          const head = value.slice(0, flag.at);
          // A /prefer value may not name another option: only the flags are offered there.
          const mine = /^\/prefer\s/i.test(value) ? [] : await suggestions('prefer', 'option', word);
          const still = (label) => (line) => {
            const typing = flagAtEnd(line);
            return typing !== undefined && line.slice(0, typing.at) === head && label.startsWith(typing.flag);
          };
          const own = mine.map((s) => ({
            label: `--${s.value}`,
            detail: s.label.replace(/^--\S+: /, ''),
            insert: `${head}--${s.value} `,
            still: still(`--${s.value}`),
          }));
          const builtIn = info.flags
            .filter((f) => f.startsWith(word))
            .map((f) => ({ label: f, insert: `${head}${f} `, still: still(f) }));
          next = [...own.filter((o) => o.label.startsWith(word)), ...builtIn];
        }
      } catch {
        next = [];
      }
      // A newer keystroke asked again: this answer is stale.
      if (ticket === asked && input.value === value) show(next);
    }, DEBOUNCE_MS);
  };

  input.addEventListener('input', update);
  input.addEventListener('blur', close);
  input.form?.addEventListener('submit', close);
  input.addEventListener('keydown', (e) => {
    // Keys that finish an input method's composition (Japanese, Chinese…) are not for the list.
    if (list.hidden || items.length === 0 || e.isComposing || e.keyCode === 229) return;
    if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      e.preventDefault();
      active = (active + (e.key === 'ArrowDown' ? 1 : items.length - 1)) % items.length;
      moved = true;
      render();
    } else if (e.key === 'Tab' || (e.key === 'Enter' && moved)) {
      // Enter sends the line unless the user chose a suggestion with the arrows.
      e.preventDefault();
      take(items[Math.max(active, 0)]);
    } else if (e.key === 'Escape') {
      e.preventDefault();
      close();
    }
  });
  return { close };
}
