// The typography each catalog promises its readers (README, "Translating"): French spaces before `: ; ? !` and inside
// « » that never break (a line must not start with the mark), full-width punctuation between Japanese and Chinese
// words, and each language's own quotation marks. The placeholders, commands and flags are the other tests'.
import { describe, expect, it } from 'vitest';
import { type Locale, loadCatalog, SUPPORTED_LOCALES } from '../src/i18n.js';

const NO_BREAK = '\u00a0\u202f';

/**
 * A web address, or a path with a query (`…/readyz?token=…`), is typed as it is: its `?` and `:` follow no language's
 * rules. Each check reads it, and a placeholder, as one word; the sentence's own marks after it stay.
 */
const ADDRESS = /[^\s(（«“„「]*(?::\/\/|\/[^\s?]*\?\w+=)\S*?(?=[.,;:!?)）»”“」。，：]*(?:\s|$))/gu;
const prose = (message: string) => message.replace(/\{\w+\}/g, 'X').replace(ADDRESS, 'X');

/**
 * Where a French text breaks its spacing rules: an ordinary space (or none) before `; ? !`, before a colon that ends
 * a clause (`largeur:hauteur` and `16:9` are notations), before » or after «.
 */
function frenchSpacingFaults(message: string): string[] {
  const text = prose(message);
  const faults: string[] = [];
  const at = (index: number) => text.slice(Math.max(0, index - 10), index + 10);
  for (const m of text.matchAll(/(.)([;?!»])/gu)) {
    const [, before = ''] = m;
    if (NO_BREAK.includes(before)) continue;
    faults.push(at(m.index ?? 0));
  }
  for (const m of text.matchAll(/(.):(?=\s|$)/gu)) {
    if (!NO_BREAK.includes(m[1] ?? '')) faults.push(at(m.index ?? 0));
  }
  for (const m of text.matchAll(/«(.)/gu)) {
    if (!NO_BREAK.includes(m[1] ?? '')) faults.push(at(m.index ?? 0));
  }
  return faults;
}

/** Japanese and Chinese text: kana, ideographs, and the full-width marks and brackets themselves. */
const CJK = '[\\u3000-\\u30ff\\u3400-\\u4dbf\\u4e00-\\u9fff\\uff00-\\uffef]';

/**
 * Half-width punctuation a Japanese or Chinese sentence uses as its own: `. : ; ? ! ( )` touching a CJK character,
 * a period only where it ends a clause (`。..` is the typed `..`), a colon unless a CJK character follows it too
 * (`幅:高さ` is the ratio notation; `例:/imagine` introduces an example). Commas are left alone: `{赤い, 青い}` is
 * typed syntax that splits on the ASCII comma.
 */
function halfWidthFaults(message: string): string[] {
  const text = prose(message);
  const after = new RegExp(`${CJK}(?:[;?!()]|\\.(?=\\s|$)|:(?!${CJK}))`, 'gu');
  const before = new RegExp(`[;?!()]${CJK}`, 'gu');
  return [...text.matchAll(after), ...text.matchAll(before)].map((m) => m[0]);
}

type Pair = readonly [open: string, close: string];

/**
 * The quotation marks each language writes, the pair it uses for a quote inside a quote (fr and es « … “…” », ru
 * «…„…“»), and the marks that would be another language's.
 */
const QUOTES: Partial<Record<Locale, { outer: Pair; inner?: Pair; foreign: RegExp }>> = {
  de: { outer: ['„', '“'], foreign: /[”«»"「」]/ },
  fr: { outer: ['«', '»'], inner: ['“', '”'], foreign: /[„"「」]/ },
  es: { outer: ['«', '»'], inner: ['“', '”'], foreign: /[„"「」]/ },
  ru: { outer: ['«', '»'], inner: ['„', '“'], foreign: /[”"「」]/ },
  'pt-BR': { outer: ['“', '”'], foreign: /[«»„"「」]/ },
  'zh-CN': { outer: ['“', '”'], foreign: /[«»„"「」]/ },
  ja: { outer: ['「', '」'], foreign: /[“”«»„"]/ },
  ko: { outer: ['“', '”'], foreign: /[«»„"「」]/ },
};

/**
 * A key's faults with its quotes: another language's mark, an inner pair outside the outer one (or the outer pair
 * inside itself where the language has an inner one), a closing mark that closes nothing open, a mark never closed.
 */
function quoteFaults(locale: Locale, message: string): string[] {
  const rule = QUOTES[locale];
  if (!rule) return [];
  const faults = rule.foreign.test(message) ? [`foreign mark in: ${message.slice(0, 60)}`] : [];
  const [open, close] = rule.outer;
  const [innerOpen, innerClose] = rule.inner ?? [];
  const awaited: string[] = [];
  for (const mark of message) {
    if (mark === open) {
      if (rule.inner && awaited.length > 0) faults.push(`${open} inside ${open} ${close}`);
      awaited.push(close);
    } else if (mark === innerOpen && innerClose) {
      if (awaited.at(-1) !== close) faults.push(`${innerOpen} outside ${open} ${close}`);
      awaited.push(innerClose);
    } else if (mark === close || mark === innerClose) {
      if (awaited.at(-1) === mark) awaited.pop();
      else faults.push(`${mark} closes nothing open`);
    }
  }
  return [...faults, ...awaited.map((mark) => `never closed by ${mark}`)];
}

/** Spanish opens each question and exclamation: as many ¿ as ?, as many ¡ as !. */
function spanishOpeningFaults(message: string): string[] {
  const text = prose(message);
  const count = (pattern: RegExp) => (text.match(pattern) ?? []).length;
  const faults: string[] = [];
  if (count(/¿/g) !== count(/\?/g)) faults.push(`¿ and ? unpaired in: ${message.slice(0, 60)}`);
  if (count(/¡/g) !== count(/!/g)) faults.push(`¡ and ! unpaired in: ${message.slice(0, 60)}`);
  return faults;
}

const faultsOf = (locale: Locale, check: (message: string) => string[]) =>
  Object.entries(loadCatalog(locale)).flatMap(([key, message]) =>
    check(message).map((fault) => `${key}: ${fault}`),
  );

describe('French spacing', () => {
  it('fr puts a no-break space before : ; ? ! » and after «', () => {
    expect(faultsOf('fr', frenchSpacingFaults)).toEqual([]);
  });

  it('the check finds ordinary and missing spaces, and leaves notations alone', () => {
    expect(frenchSpacingFaults('Réessayez : maintenant')).toHaveLength(1);
    expect(frenchSpacingFaults('Réessayez\u00a0: maintenant')).toEqual([]);
    expect(frenchSpacingFaults('Réessayez\u202f? Oui\u00a0!')).toEqual([]);
    expect(frenchSpacingFaults('trop large ; le rapport')).toHaveLength(1);
    expect(frenchSpacingFaults('Prête?')).toHaveLength(1);
    expect(frenchSpacingFaults('la tâche « {prompt} »')).toHaveLength(2);
    expect(frenchSpacingFaults('la tâche «\u00a0{prompt}\u00a0»')).toEqual([]);
    expect(frenchSpacingFaults('Format (largeur:hauteur), --ar 16:9, …/?token=…')).toEqual([]);
    expect(frenchSpacingFaults('Ouvrez (…/readyz?token=…) ou https://bot.example:8080/app.')).toEqual([]);
    expect(frenchSpacingFaults('Ouvert https://bot.example/?token=abc? Prête?')).toHaveLength(2);
  });
});

describe('Spanish opening marks', () => {
  it('es opens every question with ¿ and every exclamation with ¡', () => {
    expect(faultsOf('es', spanishOpeningFaults)).toEqual([]);
  });

  it('the check finds a missing opening mark', () => {
    expect(spanishOpeningFaults('¿Sigue en marcha?')).toEqual([]);
    expect(spanishOpeningFaults('¡Hola! Abre …/?token=…')).toEqual([]);
    expect(spanishOpeningFaults('Sigue en marcha?')).toHaveLength(1);
    expect(spanishOpeningFaults('Hola!')).toHaveLength(1);
    expect(spanishOpeningFaults('Abre …/readyz?token=… o https://bot.example/?token=abc.')).toEqual([]);
    expect(spanishOpeningFaults('¿Abriste https://bot.example/?token=abc?')).toEqual([]);
    expect(spanishOpeningFaults('Abriste https://bot.example/?token=abc?')).toHaveLength(1);
  });
});

describe('full-width punctuation', () => {
  it.each(['ja', 'zh-CN'] as const)(
    '%s writes its own colons, stops and brackets between its words',
    (locale) => {
      expect(faultsOf(locale, halfWidthFaults)).toEqual([]);
    },
  );

  it('the check finds half-width marks and leaves typed syntax alone', () => {
    expect(halfWidthFaults('処理は続いています: {ids}。')).toEqual(['す:']);
    expect(halfWidthFaults('完成まで約 {eta}.')).toEqual([]);
    expect(halfWidthFaults('已完成.')).toEqual(['成.']);
    expect(halfWidthFaults('图片(宽)')).toEqual(['片(', '宽)', '(宽']);
    expect(halfWidthFaults('要怎么修改?')).toEqual(['改?']);
    expect(halfWidthFaults('例:/imagine 猫')).toEqual(['例:']);
    expect(halfWidthFaults('ジョブ:{id}')).toEqual(['ブ:']);
    expect(halfWidthFaults('アドレス（…/readyz?token=…）を開いてください。')).toEqual([]);
    expect(
      halfWidthFaults('縦横比（幅:高さ）、{赤い, 青い} 鳥、。.. で始まる返信、/queue で確認できます。'),
    ).toEqual([]);
  });
});

describe('quotation marks', () => {
  it.each(SUPPORTED_LOCALES.filter((locale) => locale in QUOTES))(
    '%s uses its own marks, in pairs',
    (locale) => {
      expect(faultsOf(locale, (message) => quoteFaults(locale, message))).toEqual([]);
    },
  );

  it('the check finds another language’s marks and unpaired ones', () => {
    expect(quoteFaults('de', 'Der Auftrag „{prompt}“')).toEqual([]);
    expect(quoteFaults('de', 'Der Auftrag “{prompt}”')).toHaveLength(2);
    expect(quoteFaults('fr', 'la tâche “{prompt}”')).toEqual(['“ outside « »']);
    expect(quoteFaults('fr', 'Appuyez sur « Varier “léger” ».')).toEqual([]);
    expect(quoteFaults('es', 'Pulsa «Variar “sutil”».')).toEqual([]);
    expect(quoteFaults('es', 'Pulsa «Variar «sutil»».')).toEqual(['« inside « »']);
    expect(quoteFaults('ru', 'Нажмите «Вариант „слабый“».')).toEqual([]);
    expect(quoteFaults('ru', 'Нажмите «Вариант “слабый”».')).toEqual([
      'foreign mark in: Нажмите «Вариант “слабый”».',
      '“ closes nothing open',
    ]);
    expect(quoteFaults('ja', 'ジョブ「{prompt}')).toEqual(['never closed by 」']);
    expect(quoteFaults('zh-CN', '任务「{prompt}」')).toHaveLength(1);
  });
});
