/** `npm run bench [-- --quick] [--data DIR] [--skip-generate] [--only …]`: see bench/README.md. */
import { runBench } from './main.ts';

process.exitCode = await runBench();
