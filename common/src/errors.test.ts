// withDeadline: the work's outcome when it is in time, a 503 when it is not, and no timer left.
import { setTimeout as sleep } from 'node:timers/promises';
import test from 'ava';
import { AppError, withDeadline } from './errors.ts';

const timers = () => process.getActiveResourcesInfo().filter((kind) => kind === 'Timeout').length;

test.serial(
  'in time, the work settles the promise, value or error, and its timer is gone',
  async (t) => {
    const before = timers();
    t.is(
      await withDeadline(
        sleep(10).then(() => 'rows'),
        1_000,
        'the database',
      ),
      'rows',
    );
    const failure = new Error('syntax error');
    t.is(
      await t.throwsAsync(withDeadline(Promise.reject(failure), 1_000, 'the database')),
      failure,
    );
    t.is(timers(), before);
  },
);

test.serial(
  'late, it fails with a 503 that names what did not answer; the late outcome is dropped',
  async (t) => {
    const late = sleep(200).then(() => {
      throw new Error('too late to matter');
    });
    const error = await t.throwsAsync(withDeadline(late, 20, 'the database'), {
      instanceOf: AppError,
      message: 'the database did not answer within 20 ms',
    });
    t.is(error?.status, 503);
    await sleep(250); // the late rejection is handled: no unhandled rejection fails the run
  },
);
