#!/usr/bin/env node
import { guardOutputStreams, main } from '../dist/cli.js';

// A closed pipe (`faildrill run … | head`) or a full disk stops the output, never the run or its exit code.
guardOutputStreams();

main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
