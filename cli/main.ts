import path from 'node:path';
import { parseArgs } from 'node:util';
import { localSecret } from '../local/local-secret.ts';
import { consoleLoginToken } from '../shared/console/console-session.ts';
import { ApiClient, ApiError } from './api-client.ts';
import { bar, createProgress } from './progress.ts';

const USAGE = `usage: npm run cli -- <command> [options]

commands:
  record start <streamId> [--source URL [--media av|audio|video] [--normalize]] [--file PATH]
               [--size 1280x720] [--fps 30] [--retention 600] [--segment 2] [--reconnect 60]
      (--source takes rtmp://, rtmps://, srt://, http(s):// HLS or FLV; without it a test pattern)
  record stop <streamId> [--wait]
  record list
  clip --stream <streamId> [--before 20] [--after 0] [--at ISO] [--id ID] [--wait]
       [--mode copy|precise|transcode] [--profile source|720p|1080p|vertical] [--fit crop|blur]
       [--crf N] [--preset P] [--max-bitrate KBPS] [--parts K | --part-sec S] [--callback URL]
  status <highlightId>
  cancel <highlightId>
  room join <roomId> <userId> --source URL      a user joined with their stream
  room leave <roomId> <userId>
  room record <roomId> --mode single|mixed [--media av|audio|video] [--separate-av]
              [--users a,b,c] [--canvas 1280x720] [--fps 30] [--id ID] [--segment 2]
  room stop <roomId> <recordingId> [--wait]      stop; --wait until the files and manifest are written
  room status <roomId> [recordingId]
  console                                        print the web console's login link

options:
  --url URL     API base URL (default $HL_URL or http://127.0.0.1:8787)
  --data DIR    data folder holding the local signing secret (default $HL_DATA_DIR or ./data)
  --json        print JSON on stdout instead of text

exit codes: 0 done; 1 the API refused (the code, message and a hint are printed) or the job failed;
            2 bad usage; 3 timed out waiting (a recorder's first segment, --wait); 4 the API is unreachable
            (with --json the error is also printed on stdout as {"error": {code, message, hint}})`;

class UsageError extends Error {}

/** What to try next, for the refusals people meet most. */
const HINTS: Record<string, string> = {
  SIGNATURE_INVALID: 'the CLI signs with the secret in --data DIR/.secret (or $HL_SECRET); point --data at the runtime\'s data folder',
  SIGNATURE_STALE: 'this machine\'s clock and the server\'s differ by more than HL_SIGNATURE_TOLERANCE_SEC',
  STREAM_NOT_FOUND: 'list the streams with `npm run cli -- record list`',
  STREAM_ACTIVE: 'it is being recorded; stop it first with `npm run cli -- record stop <id> --wait`',
  WINDOW_EXPIRED: 'the window is older than the stream\'s retention; ask for a more recent moment or record with a longer --retention',
  URL_NOT_ALLOWED: 'private and loopback hosts need HL_ALLOW_PRIVATE_URLS=1; an allow-list is set with HL_ALLOWED_HOSTS',
  SOURCE_NOT_ALLOWED: 'testsrc and file sources need HL_ALLOW_LOCAL_SOURCES=1; srt needs an ffmpeg built with libsrt (FFMPEG_PATH)',
  TOO_MANY_USERS: 'pass --users with fewer users, or raise HL_MAX_MIX_USERS (up to 64)',
  JOB_CONFLICT: 'that highlight id was used for a different request; drop --id or pick another',
};

async function main(argv: string[]): Promise<number> {
  const { values: v, positionals: pos } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      url: { type: 'string' }, data: { type: 'string' }, json: { type: 'boolean', default: false },
      file: { type: 'string' }, size: { type: 'string', default: '1280x720' }, fps: { type: 'string', default: '30' },
      retention: { type: 'string' }, segment: { type: 'string' },
      stream: { type: 'string' }, before: { type: 'string', default: '20' }, after: { type: 'string', default: '0' },
      at: { type: 'string' }, id: { type: 'string' }, wait: { type: 'boolean', default: false },
      mode: { type: 'string' }, profile: { type: 'string' }, fit: { type: 'string' }, crf: { type: 'string' },
      preset: { type: 'string' }, 'max-bitrate': { type: 'string' }, parts: { type: 'string' }, 'part-sec': { type: 'string' },
      callback: { type: 'string' },
      source: { type: 'string' }, media: { type: 'string' }, normalize: { type: 'boolean', default: false }, reconnect: { type: 'string' },
      'separate-av': { type: 'boolean', default: false }, users: { type: 'string' }, canvas: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (v.help || pos.length === 0) {
    console.log(USAGE);
    return v.help ? 0 : 2;
  }
  const dataDir = path.resolve(v.data ?? process.env.HL_DATA_DIR ?? './data');
  const secret = await localSecret(dataDir);
  const client = new ApiClient(v.url ?? process.env.HL_URL ?? 'http://127.0.0.1:8787', secret);
  const out = (value: unknown, text: string) => console.log(v.json ? JSON.stringify(value) : text);
  const num = (s: string | undefined, name: string) => {
    if (s === undefined) return undefined;
    const n = Number(s);
    if (!Number.isFinite(n)) throw new UsageError(`--${name} must be a number`);
    return n;
  };
  const progress = createProgress(!v.json);
  const [cmd, sub, arg] = pos;

  if (cmd === 'record' && sub === 'start') {
    if (!arg) throw new UsageError('record start needs a stream id');
    const [w, h] = (v.size ?? '').split('x').map(Number);
    const source = v.source
      ? { type: 'url', url: v.source, media: v.media, normalize: v.normalize }
      : v.file
        ? { type: 'file', path: path.resolve(v.file) }
        : { type: 'testsrc', width: w, height: h, fps: num(v.fps, 'fps') };
    const { body } = await client.request('POST', '/v1/streams', {
      id: arg, source, retentionSec: num(v.retention, 'retention'), segmentSec: num(v.segment, 'segment'), reconnectSec: num(v.reconnect, 'reconnect'),
    });
    // Start-up in three steps: accepted, a recorder running, the first segment published.
    const steps = ['accepted', 'recorder running', 'first segment published'];
    const stepOf = (x: any) => (x.available?.segments > 0 ? 3 : x.state === 'recording' ? 2 : 1);
    const show = (x: any) => progress.update(`starting ${arg} ${bar(stepOf(x), 3)} ${steps[stepOf(x) - 1]} (${x.state})`);
    const deadline = Date.now() + 30_000;
    let s = body;
    show(s);
    while (Date.now() < deadline && stepOf(s) < 3 && s.state !== 'failed' && s.state !== 'ended') {
      await new Promise((r) => setTimeout(r, 400));
      s = (await client.request('GET', `/v1/streams/${arg}`)).body;
      show(s);
    }
    progress.done();
    if (s.state === 'failed' || s.state === 'ended') {
      out(s, `recording ${arg} ${s.state}${s.error ? `: ${s.error.code}: ${s.error.message}` : ''}`);
      return 1;
    }
    if (stepOf(s) < 3) {
      out(s, `recording ${arg}: no segment after 30 s (state ${s.state}); check the source, then \`npm run cli -- record list\``);
      return 3;
    }
    out(s, `recording ${arg} (${s.state}); playlist ${s.playlistUrl}`);
    return 0;
  }
  if (cmd === 'record' && sub === 'stop') {
    if (!arg) throw new UsageError('record stop needs a stream id');
    let { body: s } = await client.request('DELETE', `/v1/streams/${arg}`);
    while (v.wait && s.state !== 'stopped' && s.state !== 'failed') {
      progress.update(`stopping ${arg}…`);
      await new Promise((r) => setTimeout(r, 300));
      s = (await client.request('GET', `/v1/streams/${arg}`)).body;
    }
    progress.done();
    out(s, `${arg}: ${s.state}`);
    return 0;
  }
  if (cmd === 'record' && sub === 'list') {
    const { body } = await client.request('GET', '/v1/streams');
    out(body, body.streams.map((s: any) => `${s.id}\t${s.state}\t${s.source}\tsegments=${s.segmentCount}`).join('\n') || '(no streams)');
    return 0;
  }
  if (cmd === 'clip') {
    if (!v.stream) throw new UsageError('clip needs --stream');
    const at = v.at ? (Number.isFinite(Number(v.at)) ? Number(v.at) : v.at) : undefined;
    const started = Date.now();
    const optional = {
      id: v.id, at, mode: v.mode, profile: v.profile, fit: v.fit, crf: num(v.crf, 'crf'), preset: v.preset,
      maxBitrateKbps: num(v['max-bitrate'], 'max-bitrate'), parts: num(v.parts, 'parts'), partSec: num(v['part-sec'], 'part-sec'),
      callbackUrl: v.callback,
    };
    const { body: job } = await client.request('POST', '/v1/highlights', {
      streamId: v.stream, before: num(v.before, 'before'), after: num(v.after, 'after'),
      ...Object.fromEntries(Object.entries(optional).filter(([, x]) => x !== undefined)),
    });
    if (!v.wait) {
      out(job, `highlight ${job.id}: ${job.status} (status: ${job.statusUrl}; preview now: ${job.preview?.url})`);
      return 0;
    }
    const done = await client.waitForHighlight(job.id, {
      timeoutMs: 600_000,
      onProgress: (j) => progress.update(`highlight ${j.id}: ${j.status} ${j.progress.phase} ${bar(j.progress.done, j.progress.total)}${j.progress.etaSec ? ` ~${j.progress.etaSec}s left` : ''}`),
    });
    progress.done();
    if (done.status !== 'succeeded') {
      out(done, `highlight ${done.id} ${done.status}${done.error ? `: ${done.error.code}: ${done.error.message}` : ''}`);
      return 1;
    }
    out({ ...done, triggerToReadyMs: Date.now() - started },
      `highlight ${done.id}: ${done.result.durationSec.toFixed(2)}s MP4 (${done.result.method}${done.result.width ? `, ${done.result.width}x${done.result.height}` : ''}) at ${done.result.url} (poster ${done.result.posterUrl}) in ${Date.now() - started} ms`);
    return 0;
  }
  if (cmd === 'console') {
    const url = (v.url ?? process.env.HL_URL ?? 'http://127.0.0.1:8787').replace(/\/+$/, '');
    const link = `${url}/console/#token=${consoleLoginToken(secret)}`;
    out({ url: `${url}/console/`, loginLink: link }, `open ${link}\n(the token is derived from the signing secret: it logs in while HL_SECRET / ${path.join(dataDir, '.secret')} stays the same)`);
    return 0;
  }
  if (cmd === 'cancel') {
    if (!sub) throw new UsageError('cancel needs a highlight id');
    const { body: j } = await client.request('DELETE', `/v1/highlights/${sub}`);
    out(j, `${j.id}: ${j.status}`);
    return 0;
  }
  if (cmd === 'status') {
    if (!sub) throw new UsageError('status needs a highlight id');
    const { body: j } = await client.request('GET', `/v1/highlights/${sub}`);
    out(j, `${j.id}: ${j.status} ${j.progress.phase} ${bar(j.progress.done, j.progress.total)}${j.result ? ` ${j.result.url}` : ''}${j.error ? ` ${j.error.code}: ${j.error.message}` : ''}`);
    return j.status === 'failed' ? 1 : 0;
  }
  if (cmd === 'room') return roomCommand(client, pos.slice(1), v, out, num, progress);
  throw new UsageError(`unknown command: ${pos.join(' ')}`);
}

type Out = (value: unknown, text: string) => void;
type Num = (s: string | undefined, name: string) => number | undefined;

async function roomCommand(client: ApiClient, [sub, roomId, arg]: string[], v: Record<string, any>, out: Out, num: Num, progress: ReturnType<typeof createProgress>): Promise<number> {
  if (!roomId) throw new UsageError(`room ${sub ?? ''} needs a room id`);
  const room = `/v1/rooms/${encodeURIComponent(roomId)}`;
  if (sub === 'join') {
    if (!arg || !v.source) throw new UsageError('room join needs <roomId> <userId> --source URL');
    const { body } = await client.request('PUT', `${room}/users/${encodeURIComponent(arg)}`, { url: v.source });
    out(body, `${arg} joined ${roomId}${body.started.length ? `; recording ${body.started.join(', ')}` : ''}`);
    return 0;
  }
  if (sub === 'leave') {
    if (!arg) throw new UsageError('room leave needs <roomId> <userId>');
    const { body } = await client.request('DELETE', `${room}/users/${encodeURIComponent(arg)}`);
    out(body, `${arg} left ${roomId}${body.stopped.length ? `; stopped ${body.stopped.join(', ')}` : ''}`);
    return 0;
  }
  if (sub === 'record') {
    if (!v.mode) throw new UsageError('room record needs --mode single|mixed');
    let canvas: unknown;
    if (v.canvas) {
      const [width, height] = String(v.canvas).split('x').map(Number);
      canvas = { width, height, fps: num(v.fps, 'fps') };
    }
    const body = {
      id: v.id, mode: v.mode, media: v.media, separateAV: v['separate-av'] || undefined,
      userIds: v.users ? String(v.users).split(',').map((u) => u.trim()).filter(Boolean) : undefined,
      canvas, segmentSec: num(v.segment, 'segment'),
    };
    const { body: r } = await client.request('POST', `${room}/recordings`, Object.fromEntries(Object.entries(body).filter(([, x]) => x !== undefined)));
    out(r, `recording ${r.id} in ${roomId} (${r.mode}, ${r.media}): ${r.streams.length} stream(s)${r.streams.length ? ` ${r.streams.map((s: any) => s.streamId).join(', ')}` : ''}`);
    return 0;
  }
  if (sub === 'stop') {
    if (!arg) throw new UsageError('room stop needs <roomId> <recordingId>');
    await client.request('DELETE', `${room}/recordings/${encodeURIComponent(arg)}`);
    let { body: r } = await client.request('GET', `${room}/recordings/${encodeURIComponent(arg)}`);
    while (v.wait && r.state !== 'stopped') {
      progress.update(`${arg}: ${r.state}, ${r.manifest?.files.length ?? 0}/${r.streams.length} files`);
      await new Promise((res) => setTimeout(res, 500));
      r = (await client.request('GET', `${room}/recordings/${encodeURIComponent(arg)}`)).body;
    }
    progress.done();
    out(r, `${arg}: ${r.state}${r.manifest ? `\n${r.manifest.files.map((f: any) => `  ${f.userId ?? 'mix'} ${f.track}: ${f.key || f.error?.message} (${f.durationSec}s, ${f.gaps.length} gaps)`).join('\n')}` : ''}`);
    return 0;
  }
  if (sub === 'status') {
    const { body } = await client.request('GET', arg ? `${room}/recordings/${encodeURIComponent(arg)}` : room);
    out(body, arg
      ? `${body.id}: ${body.state} (${body.mode}, ${body.media})\n${body.streams.map((s: any) => `  ${s.streamId}\t${s.state}`).join('\n')}`
      : `${roomId}: users ${body.users.map((u: any) => u.userId).join(', ') || '(none)'}; recordings ${body.recordings.map((r: any) => `${r.id}=${r.state}`).join(', ') || '(none)'}`);
    return 0;
  }
  throw new UsageError(`unknown room command: ${sub ?? ''}`);
}

/** A failure: a sentence (and a hint) on stderr; with --json also the error as JSON on stdout. */
function fail(exitCode: number, code: string, message: string, hint?: string): never {
  console.error(`error: ${code === 'USAGE' ? message : `${code}: ${message}`}`);
  if (hint) console.error(`hint: ${hint}`);
  if (process.argv.includes('--json')) console.log(JSON.stringify({ error: { code, message, ...(hint ? { hint } : {}) }, exitCode }));
  process.exit(exitCode);
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err) => {
    if (err instanceof UsageError || (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      if (!process.argv.includes('--json')) console.error(`${USAGE}\n`);
      fail(2, 'USAGE', err.message);
    }
    if (err instanceof ApiError) {
      if (err.code === 'TIMEOUT') fail(3, err.code, err.message, 'the job goes on; poll it with `npm run cli -- status <id>`');
      fail(1, err.code, `${err.message} (HTTP ${err.status})`, HINTS[err.code]);
    }
    const cause = (err as { cause?: { code?: string } }).cause;
    if (cause?.code === 'ECONNREFUSED' || cause?.code === 'ENOTFOUND' || cause?.code === 'EHOSTUNREACH') {
      fail(4, 'UNREACHABLE', `cannot reach the API (${cause.code})`, 'start the local runtime with `npm start`, or pass --url / set HL_URL');
    }
    fail(1, 'ERROR', (err as Error).message);
  },
);
