// Shared nock setup: every test file that makes HTTP calls forbids real network access, allowing
// 127.0.0.1 only where a test starts a real local server (the Porch fake, the hook server). Each
// test file gets its own nock instance (jest's per-file module registry); it is restored after the
// file so the next file in the same worker does not stack interceptors on top of this one.
import { afterAll, afterEach, beforeAll } from '@jest/globals';
import nock from 'nock';

export function forbidNetwork(opts: { allowLoopback?: boolean; cleanAfterEach?: boolean } = {}): void {
  beforeAll(() => {
    nock.disableNetConnect();
    if (opts.allowLoopback === true) nock.enableNetConnect('127.0.0.1');
  });
  if (opts.cleanAfterEach === true) afterEach(() => nock.cleanAll());
  afterAll(() => {
    nock.cleanAll();
    nock.enableNetConnect();
    nock.restore();
  });
}
