// How each catalog addresses the user (README, "Translating"): de du, fr vous, es tú, pt-BR você, ru вы. The other
// form's pronouns in one message make the bot change voice mid-conversation. ko's register has its own test.
import { describe, expect, it } from 'vitest';
import { type Locale, loadCatalog } from '../src/i18n.js';

/**
 * The pronouns of the form a catalog does not use. German: the formal Sie and Ihr-; a sentence that starts with
 * "Sie" meaning "they" or "she" reads as that formal address too, so the catalog words it otherwise. French: tu and
 * its object and possessive forms. Spanish: usted. Portuguese: tu, te, ti and teu/tua. Russian: ты and its forms.
 */
const OTHER_FORM: Partial<Record<Locale, RegExp>> = {
  de: /(?<![\p{L}])(Sie|Ihnen|Ihr|Ihre|Ihren|Ihrem|Ihrer|Ihres)(?![\p{L}])/u,
  fr: /(?<![\p{L}’])(tu|te|toi|ton|ta|tes|t’)(?![\p{L}])/iu,
  es: /(?<![\p{L}])(usted|ustedes)(?![\p{L}])/iu,
  'pt-BR': /(?<![\p{L}-])(tu|te|ti|contigo|teu|tua|teus|tuas)(?![\p{L}])/iu,
  ru: /(?<![\p{L}])(ты|тебя|тебе|тобой|твой|твоя|твоё|твое|твои|твоего|твоей|твоих)(?![\p{L}])/iu,
};

const otherForm = (locale: Locale, message: string): string | undefined =>
  OTHER_FORM[locale]?.exec(message)?.[0];

describe('form of address', () => {
  it.each(Object.keys(OTHER_FORM) as Locale[])('%s never switches to the other form', (locale) => {
    const found = Object.entries(loadCatalog(locale)).flatMap(([key, message]) => {
      const word = otherForm(locale, message);
      return word === undefined ? [] : [`${key}: ${word}`];
    });
    expect(found).toEqual([]);
  });

  it('the check finds the other form and not the words that contain it', () => {
    expect(otherForm('de', 'Bitte versuchen Sie es noch einmal.')).toBe('Sie');
    expect(otherForm('de', 'nicht ändern: Sie behalten das Bild')).toBe('Sie');
    expect(otherForm('de', 'Ihr Auftrag wurde abgebrochen.')).toBe('Ihr');
    expect(otherForm('de', 'Dein Auftrag; die Siegel; ihre Bilder')).toBeUndefined();
    expect(otherForm('fr', 'Peux-tu réessayer ?')).toBe('tu');
    expect(otherForm('fr', 'Ta tâche est prête.')).toBe('Ta');
    expect(otherForm('fr', 'Votre texte, la tâche, peut-être, d’autres')).toBeUndefined();
    expect(otherForm('es', 'Inténtelo usted de nuevo.')).toBe('usted');
    expect(otherForm('pt-BR', 'Sua tarefa; o texto; a tela')).toBeUndefined();
    expect(otherForm('pt-BR', 'A tua tarefa')).toBe('tua');
    expect(otherForm('ru', 'Попробуй, тебе понравится')).toBe('тебе');
    expect(otherForm('ru', 'Попробуйте ещё раз; тебеловка')).toBeUndefined();
  });
});
