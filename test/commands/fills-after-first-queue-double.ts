// Test double: a real JobQueue over the full-disk store double, whose submit first writes the submission outside any
// catch, as the distributed FrontQueue writes a job's inputs and row: a refused write escapes submit as the thrown
// ENOSPC. The disk fills once the first submission is queued (a permutation's first line fits, the next does not).
import type { JobQueueApi, SubmitInput, SubmitResult } from '../../src/jobs/index.js';
import type { FullDiskStoreDouble } from '../doubles/full-disk-store.js';

export function fillsAfterFirstQueueDouble(real: JobQueueApi, store: FullDiskStoreDouble): JobQueueApi {
  const submit = (input: SubmitInput): SubmitResult => {
    store.writeFile(store.newId(), 'request.json', new TextEncoder().encode(JSON.stringify(input.request)));
    const result = real.submit(input);
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
