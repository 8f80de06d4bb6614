// For test files that spawn service processes. Apart from processes.ts because it registers an AVA
// hook: the bench imports processes.ts and runs outside AVA, where importing AVA throws.
import test from 'ava';
import type { ServiceProcess } from './processes.ts';

/**
 * For a test file that spawns services: returns the `track` function to hand each one to
 * (`startService`'s third argument), and kills every tracked process once the file's tests are
 * done, whatever happened to them.
 */
export function killedAfterTests(): (service: ServiceProcess) => void {
  const running: ServiceProcess[] = [];
  test.after.always(() => {
    for (const service of running) service.child.kill('SIGKILL');
  });
  return (service) => void running.push(service);
}
