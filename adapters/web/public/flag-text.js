// A line of the bot's as a paragraph in which no flag breaks: a browser may wrap after any hyphen, which split
// "--temperature" into "--" and "temperature" on two lines of /help. Each flag goes in a span that does not wrap
// (style.css .flag); the text is the line's own, so what is copied is what was sent.
const FLAG = /--[\p{L}\p{N}_-]+/gu;

/** @param {string} line */
export function lineWithFlags(line) {
  const p = document.createElement('p');
  let at = 0;
  for (const match of line.matchAll(FLAG)) {
    if (match.index > at) p.append(line.slice(at, match.index));
    p.append(Object.assign(document.createElement('span'), { className: 'flag', textContent: match[0] }));
    at = match.index + match[0].length;
  }
  if (at < line.length || at === 0) p.append(line.slice(at));
  return p;
}
