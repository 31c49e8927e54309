import { acceptHighlight, acceptOptionsFrom } from '../clips/accept-highlight.ts';
import type { Config } from '../config/config.ts';
import type { Invoker } from '../invoke/invoker.ts';
import type { Logger } from '../log/logger.ts';
import { resumeCompatTasks } from '../compat/resume-compat-tasks.ts';
import { finalizeStragglers } from '../rooms/finalize-stragglers.ts';
import type { ObjectStore } from '../storage/object-store.ts';
import { sourcePolicyFrom } from '../streams/resolve-source.ts';
import { startStream, stopStream } from '../streams/start-stream.ts';
import { readStream, recorderAlive } from '../streams/stream-store.ts';
import { runWatchdog } from '../streams/watchdog.ts';
import { parseTimerTask, scheduledClipId } from '../triggers/timer-task.ts';
import type { TimerEvent } from '../triggers/timer-event.ts';

/** Run what a timer event asks for (timer-task.ts): the watchdog, a scheduled clip, a scheduled start or stop. */
export async function runTimerTask(e: TimerEvent, d: { store: ObjectStore; invoker: Invoker; config: Config; log: Logger }): Promise<unknown> {
  const task = parseTimerTask(e);
  const streamDeps = async () => ({ store: d.store, invoker: d.invoker, heartbeatTtlSec: d.config.heartbeatTtlSec, sourcePolicy: await sourcePolicyFrom(d.config) });
  switch (task.task) {
    case 'watchdog': {
      const report = await runWatchdog({ store: d.store, invoker: d.invoker, log: d.log, heartbeatTtlSec: d.config.heartbeatTtlSec });
      const finalizing = await finalizeStragglers({ store: d.store, invoker: d.invoker, log: d.log });
      const compatResumed = await resumeCompatTasks({ store: d.store, invoker: d.invoker, log: d.log, staleSec: Math.max(30, d.config.heartbeatTtlSec * 2) });
      if (report.restarted.length || Object.keys(report.pruned).length || finalizing.length || compatResumed.length) d.log.info('watchdog.report', { ...report, finalizing, compatResumed });
      return { ...report, finalizing, compatResumed };
    }
    case 'clip': {
      const { job, created } = await acceptHighlight(task.highlight, { ...acceptOptionsFrom(d.config, d.store), source: 'schedule', defaultId: scheduledClipId(e) });
      if (created) await d.invoker.invokeAsync('clipper', { action: 'clip', jobId: job.id });
      d.log.info('schedule.clip', { trigger: e.TriggerName, jobId: job.id, created });
      return { jobId: job.id, created };
    }
    case 'record': {
      const id = typeof task.stream.id === 'string' ? task.stream.id : '';
      const existing = id ? await readStream(d.store, id).catch(() => null) : null;
      if (existing && recorderAlive(existing, d.config.heartbeatTtlSec)) return { streamId: id, started: false, reason: 'already recording' };
      const state = await startStream(task.stream, await streamDeps());
      d.log.info('schedule.record', { trigger: e.TriggerName, streamId: state.spec.id });
      return { streamId: state.spec.id, started: true };
    }
    case 'stop': {
      const { stopping } = await stopStream(task.streamId, await streamDeps());
      return { streamId: task.streamId, stopping };
    }
  }
}
