// The countdown under a queued or running job: "about 3 minutes to go", in the units and words the bot's replies use
// (commands/render.ts formatDuration: seconds below 90 s, minutes below 90 min, then hours), from the strings the
// server sent the page.

/** "12 seconds" / "3 minutes" / "2 hours" in the page's language. */
export function duration(ms, strings) {
  const seconds = Math.max(1, Math.round(ms / 1000));
  const minutes = Math.round(seconds / 60);
  const [unit, count] =
    seconds < 90
      ? ['seconds', seconds]
      : minutes < 90
        ? ['minutes', minutes]
        : ['hours', Math.round(minutes / 60)];
  const category = new Intl.PluralRules(document.documentElement.lang || 'en').select(count);
  const text = strings[`time.duration.${unit}_${category}`] ?? strings[`time.duration.${unit}_other`];
  return (text ?? `{count} ${unit}`).replace('{count}', String(count));
}

/** Rewrites `node` (which carries `data-eta-at`, a time in ms) with the time left. */
export function tickEta(node, strings) {
  const left = Math.max(0, Number(node.dataset.etaAt) - Date.now());
  const template = strings['web.eta'] ?? 'about {eta} to go';
  node.textContent = template.replace('{eta}', duration(left, strings));
}

/** Keeps every countdown on the page current, once a second. */
export function startCountdowns(currentStrings) {
  setInterval(() => {
    for (const node of document.querySelectorAll('.eta')) tickEta(node, currentStrings());
  }, 1000);
}
