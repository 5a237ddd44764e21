// Image understanding: the model answers the question about the image, or describes it.
import type { StoredRequest } from '../../src/jobs/index.js';
import type { Operation } from '../context.js';
import { submit } from '../submit.js';
import { checkText, type Files, keepImage } from '../task-input.js';
import type { DescribeInput } from './spec.js';

export const describe: Operation<DescribeInput> = async (deps, ctx, input) => {
  const question = input.question?.trim() ? checkText(deps, input.question) : undefined;
  const files: Files = {};
  const image = await keepImage(deps, files, input.image, 'input');
  const request: StoredRequest = {
    task: 'understand',
    image,
    ...(question ? { question } : {}),
    ...(deps.config.describeCache ? { cache: true } : {}),
  };
  return submit(deps, ctx, 'describe', request, files);
};
