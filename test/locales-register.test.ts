// The register each catalog speaks to the user in (README, "Translating"): ko's replies in 해요체, its command and
// option descriptions in 합니다체 or noun phrases. A reply in 합니다체 among 해요체 ones reads as another voice.
import { describe, expect, it } from 'vitest';
import { loadCatalog } from '../src/i18n.js';

/** A sentence closed in 합니다체 (`…습니다.`, `…입니까?`), before its end mark or a closing bracket. */
const HAMNIDA = /니(?:다|까)[.?!)）]/;

describe('ko register', () => {
  const messages = Object.entries(loadCatalog('ko'));

  it('replies are 해요체: no 합니다체 outside command and option descriptions', () => {
    const replies = messages.filter(([key]) => !/^command\./.test(key));
    expect(replies.length).toBeGreaterThan(100);
    const formal = replies.filter(([, message]) => HAMNIDA.test(message)).map(([key]) => key);
    expect(formal).toEqual([]);
  });

  it('the check tells the two registers apart', () => {
    expect(HAMNIDA.test('다른 사람의 목록입니다.')).toBe(true);
    expect(HAMNIDA.test('(더 이상 사용되지 않습니다.)')).toBe(true);
    expect(HAMNIDA.test('다른 사람의 목록이에요.')).toBe(false);
    expect(HAMNIDA.test('다시 보내 주세요.')).toBe(false);
  });
});
