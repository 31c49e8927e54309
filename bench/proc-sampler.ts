import { readdir, readFile } from 'node:fs/promises';

export interface ProcPeak { pid: number; name: string; vmHwmKb: number; vmRssKb: number }

async function status(pid: number): Promise<{ name: string; hwm: number; rss: number } | null> {
  try {
    const s = await readFile(`/proc/${pid}/status`, 'utf8');
    const kb = (k: string) => Number(new RegExp(`^${k}:\\s+(\\d+) kB`, 'm').exec(s)?.[1] ?? 0);
    return { name: /^Name:\s+(.+)$/m.exec(s)?.[1] ?? '?', hwm: kb('VmHWM'), rss: kb('VmRSS') };
  } catch {
    return null; // gone
  }
}

async function childrenOf(pid: number): Promise<number[]> {
  const out: number[] = [];
  for (const e of await readdir('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    try {
      const stat = await readFile(`/proc/${e}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid) out.push(Number(e));
    } catch { /* gone */ }
  }
  return out;
}

/**
 * Sample a process (VmHWM, VmRSS from /proc/<pid>/status) and its direct children (e.g. ffmpeg)
 * every `everyMs` until stop() is called. VmHWM is the kernel's own peak, so the process's figure
 * does not depend on the sampling rate; short-lived children are caught only if sampled alive.
 */
export function sampleProcess(pid: number, everyMs = 10) {
  const main: ProcPeak = { pid, name: '?', vmHwmKb: 0, vmRssKb: 0 };
  const kids = new Map<number, ProcPeak>();
  let maxKidsRssSumKb = 0;
  let samples = 0;
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      const s = await status(pid);
      if (s) {
        main.name = s.name;
        main.vmHwmKb = Math.max(main.vmHwmKb, s.hwm);
        main.vmRssKb = Math.max(main.vmRssKb, s.rss);
        let sum = 0;
        for (const c of await childrenOf(pid)) {
          const cs = await status(c);
          if (!cs) continue;
          const k = kids.get(c) ?? { pid: c, name: cs.name, vmHwmKb: 0, vmRssKb: 0 };
          k.vmHwmKb = Math.max(k.vmHwmKb, cs.hwm);
          k.vmRssKb = Math.max(k.vmRssKb, cs.rss);
          kids.set(c, k);
          sum += cs.rss;
        }
        maxKidsRssSumKb = Math.max(maxKidsRssSumKb, sum);
        samples++;
      }
      await new Promise((r) => setTimeout(r, everyMs));
    }
  })();
  return {
    async stop() {
      stopped = true;
      await loop;
      return { main, children: [...kids.values()], maxChildrenRssSumKb: maxKidsRssSumKb, samples };
    },
  };
}
