// The register each catalog speaks to the user in (README, "Translating"): ko's replies in 해요체, its command and
// option descriptions in 합니다체 or noun phrases. A reply in 합니다체 among 해요체 ones reads as another voice.
import { describe, expect, it } from 'vitest';
import { loadCatalog } from '../src/i18n.js';

/**
 * A sentence closed in 합니다체: `…습니다` before its end mark, a closing bracket or quote, a comma, a colon, a line
 * break or the end of the text; `…입니까` before a question's end; and the formal imperative `…십시오` wherever it is.
 * A connective `-니까` ("because", 해요체 too) goes on with a space, which is no end of a question.
 */
const HAMNIDA = /니다(?=$|[\s.?!)）,:;”"'’…」』])|니까(?=$|[.?!)）”"'’…])|십시오/;

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
    // No end mark at the end of the text, a comma, a colon, a closing quote, a line break; the formal imperative.
    expect(HAMNIDA.test('이 버튼은 더 이상 사용되지 않습니다')).toBe(true);
    expect(HAMNIDA.test('작업이 끝났습니다, 결과를 확인하세요.')).toBe(true);
    expect(HAMNIDA.test('다음과 같습니다: {list}')).toBe(true);
    expect(HAMNIDA.test('“이미 있습니다”')).toBe(true);
    expect(HAMNIDA.test('대기열이 가득 찼습니다\n나중에 다시 보내 주세요.')).toBe(true);
    expect(HAMNIDA.test('이미지를 첨부하십시오.')).toBe(true);
    expect(HAMNIDA.test('계속하시겠습니까')).toBe(true);
    expect(HAMNIDA.test('다른 사람의 목록이에요.')).toBe(false);
    expect(HAMNIDA.test('다시 보내 주세요.')).toBe(false);
    expect(HAMNIDA.test('이미지가 없으니까 다시 보내 주세요.')).toBe(false);
  });
});
