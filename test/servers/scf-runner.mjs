/*
 * The child side of test/servers/scf-server.ts: one process per invocation, like a cold SCF instance.
 *
 * Protocol (IPC only; stdout/stderr belong to the handler and become the invocation's Log):
 *   parent → child  { entry, event, context }
 *   child → parent  { type: 'start' }                          module loaded, handler about to run
 *   child → parent  { type: 'result', ok: true, retMsg, memUsage }   retMsg = JSON of the return value
 *   child → parent  { type: 'result', ok: false, error: { name, message, stack }, memUsage }
 * then the child exits (a real instance would be frozen; pending work is dropped either way).
 *
 * Handler forms as in SCF's Node.js runtime: `async (event, context)` (return/throw) or
 * `(event, context, callback)` with callback(err, value). Entry: ESM or CommonJS (anything `import()`
 * can load, so .ts too when the parent adds `--import tsx`); main_handler is a named export or a
 * property of the default export (module.exports).
 */
import { pathToFileURL } from 'node:url';

let reported = false;

/** Sends the one result message, then exits once it is flushed. */
function report(payload) {
  if (reported) return;
  reported = true;
  const memUsage = process.memoryUsage().rss;
  process.send({ type: 'result', ...payload, memUsage }, () => process.exit(0));
}

function toError(err) {
  if (err instanceof Error) {
    const head = `${err.name}: ${err.message}`;
    const stack = typeof err.stack === 'string' && err.stack.includes(err.message) ? err.stack : `${head}\n${err.stack ?? ''}`.trim();
    return { name: err.name, message: err.message, stack };
  }
  let text;
  try { text = typeof err === 'string' ? err : JSON.stringify(err); } catch { text = String(err); }
  return { name: 'Error', message: String(text), stack: String(text) };
}

function succeed(value) {
  let retMsg;
  try {
    retMsg = JSON.stringify(value === undefined ? null : value);
  } catch (err) {
    return report({ ok: false, error: toError(err) });
  }
  report({ ok: true, retMsg });
}

const fail = (err) => report({ ok: false, error: toError(err) });

process.on('uncaughtException', fail);
process.on('unhandledRejection', fail);

process.once('message', async ({ entry, event, context }) => {
  let handler;
  try {
    const mod = await import(pathToFileURL(entry).href);
    handler = typeof mod.main_handler === 'function' ? mod.main_handler : mod.default?.main_handler;
    if (typeof handler !== 'function') throw new Error(`${entry} does not export main_handler`);
  } catch (err) {
    return fail(err);
  }
  const ctx = { ...context, callbackWaitsForEmptyEventLoop: true };
  const wantsCallback = handler.length >= 3;
  process.send({ type: 'start' });
  try {
    const callback = (err, value) => (err ? fail(err) : succeed(value));
    const out = handler(event, ctx, callback);
    if (out && typeof out.then === 'function') {
      // A callback-style handler that also returns a promise: a resolved `undefined` means "wait for
      // the callback"; a rejection always counts.
      out.then((v) => { if (!(wantsCallback && v === undefined)) succeed(v); }, fail);
    } else if (!wantsCallback) {
      succeed(out);
    }
  } catch (err) {
    fail(err);
  }
});
