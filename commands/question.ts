// Whether a text reply to an image asks about it (describe) or asks to change it (edit).

/** Latin question words count only as whole words ("isolate the cat", "candle light" are not questions). */
const QUESTION_START =
  /^(?:(?:what|what's|whats|who|whom|whose|where|when|why|how|which|is|are|was|were|do|does|did|can|could|should|would|will|describe|tell me|explain)(?![a-z])|请描述|描述|这是|图中|图里|什么|谁|哪|为什么|怎么|几)/i;

/**
 * A text reply to an image: a question asks about it (describe), anything else changes it (edit). Questions end
 * with a question mark, start with a question word, or (in Chinese) end with 吗/呢.
 */
export function isQuestion(text: string): boolean {
  const t = text.trim();
  return /[?？]$/.test(t) || /[吗呢]$/.test(t) || QUESTION_START.test(t);
}
