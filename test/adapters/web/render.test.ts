// A reply as the playground receives it: the replies that come with it (a permutation's further jobs) travel along.
import { describe, expect, it } from 'vitest';
import { toWebMessage } from '../../../adapters/web/render.js';
import { type Reply, textReply } from '../../../commands/reply.js';
import { allCatalogs } from '../../../src/i18n.js';

const JOB = (n: number) => `0f0f0f0f-1111-4222-8333-44445555666${n}`;
const queued = (n: number): Reply => ({
  text: [
    { key: 'job.permutation', params: { n, total: 2, prompt: n === 1 ? 'a red bird' : 'a blue bird' } },
    { key: 'job.queued', params: { count: 0, eta: '5 s' } },
  ],
  jobId: JOB(n),
  startsJob: true,
});

describe('toWebMessage', () => {
  it('carries the further replies, each translated as a message of its own', () => {
    const message = toWebMessage({ ...queued(1), more: [queued(2)] }, 'fr');
    expect(message.lines[0]).toBe('1 sur 2\u00a0: «\u00a0a red bird\u00a0»');
    expect(message.more?.map((m) => [m.jobId, m.lines[0]])).toEqual([
      [JOB(2), '2 sur 2\u00a0: «\u00a0a blue bird\u00a0»'],
    ]);
    expect(toWebMessage(queued(1), 'en')).not.toHaveProperty('more');
  });

  it('gives a running job’s step and total for the page’s bar; a queued or finished one has none', () => {
    const running: Reply = { jobId: JOB(1), text: [{ key: 'job.running', params: { step: 12, total: 64 } }] };
    const message = toWebMessage(running, 'de');
    expect(message.progress).toEqual({ step: 12, total: 64 });
    expect(message.lines[0]).toMatch(/12.*64/);
    expect(toWebMessage(queued(1), 'en')).not.toHaveProperty('progress');
    expect(toWebMessage({ ...running, final: true }, 'en')).not.toHaveProperty('progress');
  });

  it('gives a running job’s progress preview an empty text alternative (its line says the step), never its file name', () => {
    const preview = { data: new Uint8Array([1, 2, 3]), filename: 'preview.jpg', mime: 'image/jpeg' as const };
    const running: Reply = {
      jobId: JOB(1),
      text: [{ key: 'job.running', params: { step: 3, total: 64 } }],
      images: [preview],
    };
    expect(toWebMessage(running, 'en').images.map((i) => i.alt)).toEqual(['']);
    // A result keeps its prompt, and a stored file of no prompt its name.
    const source = { jobId: JOB(1), file: 'result.png' };
    const done: Reply = {
      jobId: JOB(1),
      final: true,
      outcome: 'done',
      text: [],
      images: [
        { data: new Uint8Array([1]), filename: 'dimoo-7.png', mime: 'image/png', alt: 'a red fox', source },
        { data: new Uint8Array([1]), filename: 'dimoo-8.png', mime: 'image/png', source },
      ],
    };
    expect(toWebMessage(done, 'en').images.map((i) => i.alt)).toEqual(['a red fox', 'dimoo-8.png']);
  });

  it('marks a refusal (an inline form keeps the answer it refused), never a reply that queued a job', () => {
    const range = textReply('errors.flag.range_number', { flag: '--zoom', min: 1.1, max: 2, value: '5' });
    expect(toWebMessage(range, 'en').refused).toBe(true);
    // With the notice of undelivered results after it, it is still the refusal.
    const noticed: Reply = {
      ...range,
      text: [...range.text, { key: 'job.undelivered_notice', params: { count: 1 } }],
    };
    expect(toWebMessage(noticed, 'en').refused).toBe(true);
    expect(toWebMessage(textReply('errors.queue.user_full', { count: 3, limit: 3 }), 'en').refused).toBe(
      true,
    );
    expect(toWebMessage(queued(1), 'en')).not.toHaveProperty('refused');
    expect(toWebMessage({ ...queued(1), more: [queued(2)] }, 'en')).not.toHaveProperty('refused');
    expect(toWebMessage(textReply('job.queued', { count: 0, eta: '5 s' }), 'en')).not.toHaveProperty(
      'refused',
    );
  });

  it('marks a refusal of the attached image itself, for the page to put back the line without it', () => {
    const refusals = [
      textReply('errors.input.too_large', { sizeBytes: 2_000_000, limitBytes: 1_048_576 }),
      textReply('errors.input.too_large_unsized', { limitBytes: 1_048_576 }),
      textReply('errors.engine.image_frames'),
      textReply('errors.engine.image_too_large', { size: '4000×4000', megapixels: 4 }),
    ];
    for (const refusal of refusals) {
      const message = toWebMessage(refusal, 'en');
      expect(message.refused, refusal.text[0]?.key).toBe(true);
      expect(message.imageRefused, refusal.text[0]?.key).toBe(true);
    }
    // A refusal of the line (a flag out of range): the image was fine, and comes back with it.
    const range = textReply('errors.flag.range_number', { flag: '--steps', min: 1, max: 64, value: '999' });
    expect(toWebMessage(range, 'en')).not.toHaveProperty('imageRefused');
  });

  it("marks the refusals whose key is no error's, for the page to put their line back", () => {
    const refusals = [
      textReply('web.unknown_command', { command: '/frobnicate' }),
      textReply('web.unknown_command_near', { command: '/imagne', suggestion: '/imagine' }),
      textReply('web.needs_image', { command: '/describe' }),
      textReply('chat.plain_hint', { text: 'a fox' }),
      textReply('cancel.unknown_id', { id: 'abcd' }),
      textReply('web.bad_upload'),
      textReply('web.bad_request'),
    ];
    for (const refusal of refusals)
      expect(toWebMessage(refusal, 'en').refused, refusal.text[0]?.key).toBe(true);
    // Answers that did what was asked are none, whatever room their key is in.
    for (const key of ['help.text', 'cancel.nothing', 'settings.saved'])
      expect(toWebMessage(textReply(key), 'en'), key).not.toHaveProperty('refused');
  });

  it('marks an error a refusal only when nothing was admitted, whatever its key', () => {
    // Nothing ran (a re-run whose typed line ran no command): the inline form keeps the answer to send again.
    expect(toWebMessage(textReply('errors.generic'), 'en').refused).toBe(true);
    // A job queued before the failure, or one the queue may have taken: sent again, it would be queued twice.
    for (const key of ['errors.generic', 'errors.disk_full']) {
      const queuedBefore: Reply = { ...textReply(key), admitted: { jobs: [JOB(1)] } };
      expect(toWebMessage(queuedBefore, 'en'), key).not.toHaveProperty('refused');
      const maybe: Reply = { ...textReply(key), admitted: { jobs: [], unsure: true } };
      expect(toWebMessage(maybe, 'en'), key).not.toHaveProperty('refused');
    }
  });
});

describe('the line under a result', () => {
  const labelOf = (task: string, locale: 'en' | 'fr' | 'ja' | 'de' | 'ru') =>
    toWebMessage(
      {
        text: [],
        jobId: JOB(1),
        context: { task, prompt: 'a fox', seed: 42, width: 512, height: 512, steps: 4 },
      },
      locale,
    ).context?.label;

  it('names the task in the user’s language, never by its internal id', () => {
    expect(labelOf('text_to_image', 'de')).toBe('Seed 42 · 512×512 · 4 Schritte · Erzeugen');
    expect(labelOf('paint/outpaint', 'ja')?.endsWith(' · 拡張')).toBe(true);
    expect(labelOf('paint/upscale', 'en')?.endsWith(' · Upscale')).toBe(true);
    expect(
      labelOf('image_to_image/edit_add', 'fr')?.endsWith(' · Modification\u00a0: Ajouter quelque chose'),
    ).toBe(true);
    for (const task of ['text_to_image', 'paint', 'paint/vary', 'paint/retouch', 'image_to_image/canny_pred'])
      for (const locale of ['en', 'fr', 'ja', 'de', 'ru'] as const)
        expect(labelOf(task, locale), `${task} ${locale}`).not.toMatch(/_|\/|web\.task|choice\./);
  });

  it('a grid says the seeds of its images, as its heading does', () => {
    const grid = toWebMessage(
      {
        text: [],
        jobId: JOB(1),
        context: {
          task: 'text_to_image',
          prompt: 'a fox',
          seed: 42,
          lastSeed: 45,
          images: 4,
          width: 512,
          height: 512,
        },
      },
      'en',
    ).context?.label;
    expect(grid?.startsWith('seeds 42–45 · 4 × 512×512')).toBe(true);
  });

  it('shows an answer’s task alone, and keeps an id it does not know rather than a missing key', () => {
    const answer = toWebMessage(
      { text: [], jobId: JOB(1), context: { task: 'understand', prompt: 'what is it?' } },
      'ru',
    );
    expect(answer.context?.label).toBe('Описание');
    expect(labelOf('paint/sketch', 'en')?.endsWith(' · paint/sketch')).toBe(true);
  });
});

describe('the message box example', () => {
  it('is in each language, its command and flag left as typed', () => {
    const catalogs = Object.entries(allCatalogs());
    for (const [locale, strings] of catalogs) {
      const example = strings['web.placeholder'] ?? '';
      expect(example, locale).toMatch(/^\/imagine \S.* --ar 16:9$/);
      if (locale !== 'en') expect(example, locale).not.toBe(allCatalogs().en['web.placeholder']);
    }
  });
});
