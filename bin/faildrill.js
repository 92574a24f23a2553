#!/usr/bin/env node
import { main } from '../dist/cli.js';

// A closed pipe (`faildrill run … | head`) ends output quietly, without a stack trace.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (err) => {
    if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw err;
  });
}

main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
