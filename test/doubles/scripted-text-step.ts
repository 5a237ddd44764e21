// Test double for the text-step graph: answers a scripted token sequence. The answer starts right after the
// sequence's `<answer>` token; position codeStart + i gets `answer[i]` (padding beyond it), earlier positions
// with higher confidence, so low_confidence commits left to right. Records every call.
import type {
  TextStepBackend,
  TextStepRequest,
  TextStepResult,
} from '../../engine/runtime/text-step-backend.js';

export class ScriptedTextStep implements TextStepBackend {
  readonly calls: TextStepRequest[] = [];

  constructor(
    private readonly answer: readonly number[],
    private readonly ids: { boa: number; pad: number; vocabSize: number },
  ) {}

  async step(request: TextStepRequest): Promise<TextStepResult> {
    this.calls.push(request);
    const seq = request.sequences[0]!;
    const codeStart = seq.lastIndexOf(this.ids.boa) + 1;
    const V = this.ids.vocabSize;
    const B = request.positions.length;
    const logits = new Float32Array(B * V);
    const best = new Int32Array(B);
    const bestProb = new Float32Array(B);
    request.positions.forEach((p, i) => {
      const token = this.answer[p - codeStart] ?? this.ids.pad;
      const peak = 20 - 0.1 * (p - codeStart);
      logits[i * V + token] = peak;
      best[i] = token;
      bestProb[i] = 1 / (1 + (V - 1) * Math.exp(-peak));
    });
    return { logits, best, bestProb, forwardMs: 1 };
  }
}
