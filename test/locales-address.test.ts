// How each catalog addresses the user (README, "Translating"): de du, fr vous, es tú, pt-BR você, ru вы. The other
// form's pronouns in one message make the bot change voice mid-conversation. ko's register has its own test.
import { describe, expect, it } from 'vitest';
import { type Locale, loadCatalog } from '../src/i18n.js';

/**
 * The pronouns of the form a catalog does not use. German: the formal Sie and Ihr-; a sentence that starts with
 * "Sie" meaning "they" or "she" reads as that formal address too, so the catalog words it otherwise. French: tu and
 * its object and possessive forms, t’ elided before a vowel included. Spanish: usted. Portuguese: tu, te, ti and
 * teu/tua, also joined to a verb (mostrar-te); matched by case, because TI is the IT department. Russian: ты in
 * every case and твой in every form.
 * Verbs are not checked (French Réessaie for Réessayez, Spanish Inténtelo for Inténtalo): telling an imperative's
 * person needs word lists per language, which flag nouns and other verbs far more often than they catch a slip,
 * so reviewers read those.
 */
const OTHER_FORM: Partial<Record<Locale, RegExp>> = {
  de: /(?<![\p{L}])(Sie|Ihnen|Ihr|Ihre|Ihren|Ihrem|Ihrer|Ihres)(?![\p{L}])/u,
  fr: /(?<![\p{L}’'])(?:(?:tu|te|toi|ton|ta|tes)(?![\p{L}])|t[’'](?=\p{L}))/iu,
  es: /(?<![\p{L}])(usted|ustedes)(?![\p{L}])/iu,
  'pt-BR': /(?<![\p{L}])([Tt]u|[Tt]e|[Tt]i|[Cc]ontigo|[Tt]eus?|[Tt]uas?)(?![\p{L}])/u,
  ru: /(?<![\p{L}])(ты|тебя|тебе|тобой|тобою|твой|твоя|твоё|твое|твои|твоего|твоей|твоею|твоих|твою|твоим|твоими|твоём|твоем|твоему)(?![\p{L}])/iu,
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
    expect(otherForm('fr', 'Je peux t’aider.')).toBe('t’');
    expect(otherForm('fr', "Je peux t'aider.")).toBe("t'");
    expect(
      otherForm('fr', 'Votre texte, la tâche, peut-être, d’autres, a-t-il, aujourd’hui'),
    ).toBeUndefined();
    expect(otherForm('es', 'Inténtelo usted de nuevo.')).toBe('usted');
    expect(otherForm('pt-BR', 'Sua tarefa; o texto; a tela')).toBeUndefined();
    expect(otherForm('pt-BR', 'A tua tarefa')).toBe('tua');
    expect(otherForm('pt-BR', 'Tua tarefa')).toBe('Tua');
    expect(otherForm('pt-BR', 'Posso mostrar-te o resultado')).toBe('te');
    expect(otherForm('pt-BR', 'Fale com a equipe de TI.')).toBeUndefined();
    expect(otherForm('ru', 'Попробуй, тебе понравится')).toBe('тебе');
    expect(otherForm('ru', 'Я отменил твою задачу.')).toBe('твою');
    expect(otherForm('ru', 'С твоим запросом всё в порядке.')).toBe('твоим');
    expect(otherForm('ru', 'Что с твоими картинками?')).toBe('твоими');
    expect(otherForm('ru', 'В твоём запросе ошибка.')).toBe('твоём');
    expect(otherForm('ru', 'В твоем запросе ошибка.')).toBe('твоем');
    expect(otherForm('ru', 'По твоему запросу ничего нет.')).toBe('твоему');
    expect(otherForm('ru', 'Бот говорит с тобою.')).toBe('тобою');
    expect(otherForm('ru', 'Попробуйте ещё раз; тебеловка')).toBeUndefined();
  });
});
