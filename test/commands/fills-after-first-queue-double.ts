// Test double: a real JobQueue over the full-disk store double, whose submit first writes the submission. Where that
// write is refused, nothing of the submission is stored, and it fails as a queue fails before a job's row is stored
// (NotStored, src/jobs/not-stored.ts). The disk fills once the first submission is queued (a permutation's first line
// fits, the next does not). `throwsAfter`: instead, once its real submit has stored the job, it throws (as a failure
// while telling the job's place would).
import type { JobQueueApi, SubmitInput, SubmitResult } from '../../src/jobs/index.js';
import { beforeStored } from '../../src/jobs/not-stored.js';
import type { FullDiskStoreDouble } from '../doubles/full-disk-store.js';

export function fillsAfterFirstQueueDouble(
  real: JobQueueApi,
  store: FullDiskStoreDouble,
  { throwsAfter = false } = {},
): JobQueueApi {
  const submit = (input: SubmitInput): SubmitResult => {
    const id = store.newId();
    beforeStored(
      () => store.writeFile(id, 'request.json', new TextEncoder().encode(JSON.stringify(input.request))),
      () => store.removeFiles(id),
    );
    const result = real.submit(input);
    if (throwsAfter) throw new Error('failed after the job was stored');
    if (result.ok) store.full = true;
    return result;
  };
  return new Proxy(real, {
    get(target, key) {
      if (key === 'submit') return submit;
      const value: unknown = Reflect.get(target, key, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}
