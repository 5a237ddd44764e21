// WCAG 2.2 AA checks the playground's browser tests run over what the page shows at that moment, in the page itself
// (a script as a string: this project is type-checked without the DOM library). Each problem comes back as a line:
// - CONTRAST: text under 4.5:1 against the background it is drawn on (3:1 from 24px, or bold from 18.66px), the
//   backgrounds composited up the ancestors over the page's canvas (white, or Chromium's dark #121212);
// - BORDER: the outline of a button or box without a fill under 3:1 against what is around it (1.4.11);
// - TARGET: a control under 24 × 24 px (2.5.8), except text inside a sentence (a link), a visually hidden input whose
//   visible label is the target, and an input inside a label of 24 px at least (the label is the same target);
// - NAME: a button whose accessible name (its aria-label) leaves out the words it shows (2.5.3 label in name), or one
//   named by symbols alone (⬅️ is read out as an emoji's name, not what the button does: 4.1.2).
export const A11Y_PROBLEMS = `(() => {
  // rgb()/rgba(), or color(srgb …) as Chromium writes a color-mix(): channels 0–1 there.
  const parse = (c) => {
    const m = /(rgba?|color)\\((?:srgb )?([^)]+)\\)/.exec(c);
    if (!m) return [0, 0, 0, 0];
    const p = m[2].split(/[,\\s/]+/).filter(Boolean).map(Number);
    const scale = m[1] === 'color' ? 255 : 1;
    return [p[0] * scale, p[1] * scale, p[2] * scale, p[3] ?? 1];
  };
  const over = (top, under) => top.slice(0, 3).map((v, i) => v * top[3] + under[i] * (1 - top[3])).concat(1);
  const channel = (v) => (v / 255 <= 0.03928 ? v / 255 / 12.92 : ((v / 255 + 0.055) / 1.055) ** 2.4);
  const lum = (c) => 0.2126 * channel(c[0]) + 0.7152 * channel(c[1]) + 0.0722 * channel(c[2]);
  const ratio = (a, b) => {
    const [hi, lo] = [lum(a), lum(b)].sort((x, y) => y - x);
    return (hi + 0.05) / (lo + 0.05);
  };
  const canvas = matchMedia('(prefers-color-scheme: dark)').matches ? [18, 18, 18, 1] : [255, 255, 255, 1];
  const backgroundOf = (node) => {
    const layers = [];
    for (let n = node; n; n = n.parentElement) layers.unshift(parse(getComputedStyle(n).backgroundColor));
    return layers.reduce((under, layer) => (layer[3] > 0 ? over(layer, under) : under), canvas);
  };
  const hiddenText = (s) => s.clipPath === 'inset(50%)' || s.opacity === '0';
  const describe = (node) => node.tagName + (node.id ? '#' + node.id : '') + ' "' + (node.textContent || node.getAttribute('aria-label') || '').trim().slice(0, 40) + '"';
  const out = [];
  for (const node of document.querySelectorAll('body *')) {
    if (!node.checkVisibility()) continue;
    const s = getComputedStyle(node);
    if (hiddenText(s) || node.closest('[aria-disabled="true"]')) continue;
    const placeholder = node.tagName === 'TEXTAREA' && !node.value && node.placeholder;
    const text = [...node.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim());
    if (!text && !placeholder) continue;
    const background = backgroundOf(node);
    let color = parse(placeholder ? getComputedStyle(node, '::placeholder').color : s.color);
    if (color[3] < 1) color = over(color, background);
    const size = Number.parseFloat(s.fontSize);
    const large = size >= 24 || (Number(s.fontWeight) >= 700 && size >= 18.66);
    const r = ratio(color, background);
    if (r < (large ? 3 : 4.5)) out.push('CONTRAST ' + r.toFixed(2) + ' ' + describe(node));
  }
  for (const node of document.querySelectorAll('button, textarea, .file-button')) {
    if (!node.checkVisibility()) continue;
    const s = getComputedStyle(node);
    if (s.borderTopStyle === 'none' || parse(s.backgroundColor)[3] > 0.5) continue;
    const around = backgroundOf(node.parentElement);
    let border = parse(s.borderTopColor);
    if (border[3] < 1) border = over(border, around);
    const r = ratio(border, around);
    if (r < 3) out.push('BORDER ' + r.toFixed(2) + ' ' + describe(node));
  }
  const big = (box) => box.width >= 24 && box.height >= 24;
  for (const node of document.querySelectorAll('button, a, input, textarea, select, [tabindex], [role=option]')) {
    if (!node.checkVisibility()) continue;
    const box = node.getBoundingClientRect();
    if (big(box) || (box.width <= 1 && box.height <= 1)) continue;
    if (node.tagName === 'A' && getComputedStyle(node).display === 'inline' && node.parentElement.tagName === 'P') continue;
    const label = node.closest('label');
    if (label && big(label.getBoundingClientRect())) continue;
    out.push('TARGET ' + Math.round(box.width) + 'x' + Math.round(box.height) + ' ' + describe(node));
  }
  for (const node of document.querySelectorAll('button[aria-label]')) {
    const shown = node.textContent.trim().toLowerCase();
    if (/[\\p{L}\\p{N}]/u.test(shown) && !node.getAttribute('aria-label').toLowerCase().includes(shown))
      out.push('NAME ' + describe(node) + ' is named "' + node.getAttribute('aria-label') + '"');
  }
  for (const node of document.querySelectorAll('button')) {
    const name = (node.getAttribute('aria-label') ?? node.textContent).trim();
    if (node.checkVisibility() && !/[\\p{L}\\p{N}]/u.test(name))
      out.push('NAME ' + describe(node) + ' is named by symbols alone');
  }
  return out;
})()`;
