import { beforeEach } from 'vitest';

/**
 * Lets the worker's event loop turn before every test. vitest awaits tests with promise continuations
 * only, so a file of synchronous tests that each start the CLI (spawnSync) never hands the loop back:
 * vitest's own messages to the worker wait, and after 60 s one times out ("Timeout calling
 * onTaskUpdate") and fails the run although every test passed. A test that blocks for a minute on its
 * own must spawn asynchronously (test/helpers/cli.ts `faildrillAsync`).
 */
beforeEach(() => new Promise<void>((resolve) => setImmediate(resolve)));
