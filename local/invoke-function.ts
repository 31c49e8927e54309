import { parseArgs } from 'node:util';
import type { FunctionName } from '../shared/invoke/invoker.ts';
import { startLocalRuntime } from './local-runtime.ts';

/**
 * `npm run invoke -- <function> '<event JSON>'`: run one function once against the local data
 * folder, like `scf invoke` would, and print its result. No timers or trigger watchers run, so it
 * can sit beside a running `npm start` (e.g. to resume a clip job by hand).
 */
const { positionals, values } = parseArgs({ args: process.argv.slice(2), allowPositionals: true, options: { data: { type: 'string' } } });
const [fn, eventJson] = positionals;
if (!fn || !eventJson) {
  console.error("usage: npm run invoke -- <api|segmenter|clipper|transcoder> '<event JSON>' [--data DIR]");
  process.exit(2);
}
let event: unknown;
try {
  event = JSON.parse(eventJson);
} catch {
  console.error('error: the event is not valid JSON');
  process.exit(2);
}
const rt = await startLocalRuntime({ port: 0, dataDir: values.data, services: { triggers: false, timers: false } });
let code = 0;
try {
  console.log(JSON.stringify(await rt.deps.invoker.invokeSync(fn as FunctionName, event)));
} catch (err) {
  console.error(`error: ${(err as { code?: string }).code ?? 'FAILED'}: ${(err as Error).message}`);
  code = 1;
} finally {
  await rt.stop();
}
process.exit(code);
