import { parseWith } from '../../shared/domain/schemas.ts';
import { partTaskSchema, transcodePart } from '../../shared/clips/transcode-part.ts';
import { defineHandler } from '../../shared/runtime/define-handler.ts';

/** One part of a transcode, invoked synchronously per part by the clipper's fan-out. */
export const main_handler = defineHandler('transcoder', async (event, { deps, log, signal }) => {
  const task = parseWith(partTaskSchema, event, 'part task');
  return transcodePart(task, { store: deps.store, log, signal });
});
