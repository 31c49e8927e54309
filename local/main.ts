import { consoleLoginToken } from '../shared/console/console-session.ts';
import { startLocalRuntime } from './local-runtime.ts';

/** `npm start`: the local runtime until Ctrl-C. */
const rt = await startLocalRuntime();
console.log(`highlight-clipper local runtime on ${rt.url}`);
console.log(`console: ${rt.url}/console/#token=${consoleLoginToken(rt.config.secret)}  (open it to log in; the token stays valid while the secret does)`);
console.log(`data folder: ${rt.config.dataDir} (signing secret in ${rt.config.dataDir}/.secret unless HL_SECRET is set)`);
console.log('try: npm run cli -- record start game1   then   npm run cli -- clip --stream game1 --before 10 --wait');
let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  console.log('stopping (finishing current segments)…');
  await rt.stop();
  process.exit(0);
};
process.on('SIGINT', () => void stop());
process.on('SIGTERM', () => void stop());
