// What the Telegram adapter is started with: the configuration, the commands, where job deliveries are kept, and
// the knobs tests turn (a local Bot API, shorter waits).
import type { Commands } from '../../commands/index.js';
import type { Config } from '../../src/config/index.js';
import type { DeliveryLog, JobQueueApi, JobStore } from '../../src/jobs/index.js';
import type { Logger } from '../../src/log.js';
import type { Delivery } from '../shared/job-status.js';

export interface TelegramOptions {
  config: Config;
  commands: Commands;
  log: Logger;
  /** Where status messages are remembered and undelivered endings marked (the job store's). */
  deliveries: DeliveryLog;
  /**
   * The jobs an edited request may replace (its author's recent ones, cancelled while they wait), and where the bot's
   * open questions and the updates not yet handled (inbox.ts) are kept.
   */
  jobs: {
    store: Pick<JobStore, 'recentOf' | 'questions' | 'inbox'>;
    queue: Pick<JobQueueApi, 'get' | 'cancel' | 'now' | 'failureTold'>;
  };
  /** Tests and the soak count how each job's ending reached its owner. */
  onDelivery?: (jobId: string, delivery: Delivery) => void;
  /** Tests point grammY at a local Bot API. */
  apiRoot?: string;
  /** Minimum time between progress edits in one chat, per chat type. */
  editIntervalMs?: { private: number; group: number };
  /** How long an album must be quiet before its items are handled together. */
  albumQuietMs?: number;
  /** Overrides the configured webhook port (tests listen on 0). */
  webhookPort?: number;
  /** How long a failed poll waits before the next (tests wait less). */
  pollRetryMs?: number;
  /**
   * The longest 429 grammY waits out by itself, in seconds (default 60); a longer one comes back as an error. Tests
   * set 0, so the adapter's own waits (a job's ending) and skips (progress) run in seconds.
   */
  autoRetryMaxDelayS?: number;
  /** How long polling may fail before `health()` says so (tests wait less). */
  pollUnhealthyMs?: number;
  /** How often webhook mode asks Telegram about the webhook (tests ask more often). */
  webhookCheckMs?: number;
}
