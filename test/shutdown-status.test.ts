// SIGINT while a job runs and two wait, through the composition root's drain and close on the engine double: every
// job event the stop emitted is rendered and handed to the adapters before they stop, none is rendered after the
// database closed, and each owner reads that the bot is restarting (the running job: that it starts again from the
// beginning). The running job sends large previews, so its renders lag behind its events as a real 1024² job's do.
import { describe, expect, it } from 'vitest';
import type { Reply } from '../commands/index.js';
import type { GenerateOptions } from '../engine/index.js';
import { startApp, stopOnSignal } from '../src/app.js';
import { buildCommands, closeShared, drainShared } from '../src/app-services.js';
import { type Job, openJobSystem } from '../src/jobs/index.js';
import { createLogger } from '../src/log.js';
import { openDoubleServices } from './adapters/e2e-services.js';
import { waitUntil } from './doubles/shared/wait.js';
import { TimedEngineDouble } from './doubles/timed-engine.js';

/** A full-size 1024² preview at every step: each is scaled and encoded before its update goes out, as a real one is. */
class PreviewingEngine extends TimedEngineDouble {
  private readonly preview = {
    width: 1024,
    height: 1024,
    data: Uint8Array.from({ length: 1024 * 1024 * 3 }, (_, i) => (i * 2654435761) >>> 24),
  };

  override generate(...[request, options = {}]: Parameters<TimedEngineDouble['generate']>) {
    const withPreview: GenerateOptions = {
      ...options,
      onProgress: (p) => options.onProgress?.({ ...p, preview: this.preview }),
    };
    return super.generate(request, withPreview);
  }
}

function capturedLogger() {
  const lines: Array<{ level: number; msg: string }> = [];
  const log = createLogger({
    level: 'info',
    pretty: false,
    destination: { write: (l: string) => void lines.push(JSON.parse(l)) },
  });
  return { log, lines };
}

describe('SIGINT with a job running and two waiting', () => {
  it('renders and hands over every event before the adapters stop, and tells each owner the bot restarts', async () => {
    const { log, lines } = capturedLogger();
    const opened = openDoubleServices('shutdown-status', {}, new PreviewingEngine(5, 400));
    const { config } = opened;
    const services = { ...opened.services, drain: () => opened.services.jobs.queue.stop({ waitMs: 50 }) };
    const commands = buildCommands({ config, log }, services);
    const seen: Array<{ job: Job; reply: Reply }> = [];
    let atStop: Array<{ job: Job; reply: Reply }> = [];
    const app = await startApp(
      { config, log },
      {
        playground: async () => {
          const unsubscribe = commands.subscribe((update) => void seen.push(update), 'web');
          return {
            name: 'playground',
            stop: async () => {
              atStop = [...seen];
              unsubscribe();
            },
          };
        },
      },
    );
    const stopped = stopOnSignal(
      app,
      log,
      ['SIGUSR2'],
      () => closeShared({ services, commands }),
      () => drainShared({ services, commands }),
    );
    services.start();
    const submitted = ['a big fox', 'a cat', 'a dog'].map((prompt) => {
      const result = services.jobs.queue.submit({
        owner: { platform: 'web', userId: 'ann' },
        scope: 'playground',
        kind: 'imagine',
        request: { task: 'text_to_image', prompt, width: 256, height: 256 },
        meta: { locale: 'en' },
      });
      if (!result.ok) throw new Error(result.refusal.key);
      return result.job;
    });
    await waitUntil(() => seen.some((u) => u.reply.images?.length), 'a preview was rendered', 10_000);
    process.kill(process.pid, 'SIGUSR2');
    await stopped;
    // A render still queued behind a preview would surface now, against the closed database.
    await new Promise((resolve) => setTimeout(resolve, 1000));

    expect(lines.filter((l) => l.level >= 50)).toEqual([]);
    const lastKey = (id: string) =>
      atStop
        .filter((u) => u.job.id === id)
        .at(-1)
        ?.reply.text.at(-1)?.key;
    const [running, ...waiting] = submitted as [Job, Job, Job];
    expect(lastKey(running.id)).toBe('job.paused_restart');
    for (const job of waiting) expect(lastKey(job.id)).toBe('job.paused_waiting');
    // Nothing was rendered for the adapters after they stopped.
    expect(seen).toHaveLength(atStop.length);

    // The next start runs the jobs again, and their usual lines take over.
    const again = openJobSystem({ config, engine: new TimedEngineDouble(1, 2) });
    const events: string[] = [];
    again.queue.subscribe((e) => void events.push(`${e.type}:${e.job.id}`));
    again.queue.start();
    await waitUntil(() => events.includes(`done:${running.id}`), 'the job put back ran again', 10_000);
    expect(events.indexOf(`started:${running.id}`)).toBeGreaterThanOrEqual(0);
    await again.close({ waitMs: 5000 });
  }, 30_000);
});
