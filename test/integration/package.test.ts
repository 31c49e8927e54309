import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parse, stringify } from 'yaml';
import { bundleEntry } from '../../packaging/bundle.ts';
import { checkManifest } from '../../packaging/manifest-check.ts';
import { packageAll, PackagingError, type PackageResult } from '../../packaging/package.ts';
import { checkLimits } from '../../packaging/limits.ts';
import { readZip, type ZipSummary } from '../../packaging/zip.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
const FUNCTIONS = ['api', 'segmenter', 'clipper', 'transcoder'];

function run(cmd: string, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(cmd, args, { ...opts, encoding: 'utf8', timeout: 30_000, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      resolve({ code: err ? Number((err as { code?: number }).code ?? 1) || 1 : 0, stdout, stderr });
    });
  });
}

/** An environment with no module search path and nothing that would pick a runtime for the handler. */
function bareEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, NODE_PATH: '', NODE_OPTIONS: '' };
  for (const k of ['NODE_TEST_CONTEXT', 'TENCENTCLOUD_RUNENV', 'HL_STORE']) delete env[k];
  return env;
}

async function unzip(zip: string, dir: string): Promise<void> {
  const r = await run('python3', ['-m', 'zipfile', '-e', zip, dir]);
  assert.equal(r.code, 0, `python3 -m zipfile -e ${zip}: ${r.stderr}`);
}

/** A copy of serverless.yml with absolute src paths (so it can live in a temp dir), edited by `edit`. */
async function manifestVariant(dir: string, file: string, edit: (inputs: Record<string, any>) => void): Promise<string> {
  const doc = parse(await readFile(path.join(ROOT, 'serverless.yml'), 'utf8'));
  for (const [name, f] of Object.entries<Record<string, unknown>>(doc.inputs.functions)) f.src = path.join(ROOT, 'functions', name);
  edit(doc.inputs);
  const out = path.join(dir, file);
  await writeFile(out, stringify(doc));
  return out;
}

describe('npm run package', () => {
  let tmp: string;
  let out: string;
  let result: PackageResult;

  before(async () => {
    tmp = await mkdtemp(path.join(os.tmpdir(), 'hl-package-'));
    out = path.join(tmp, 'dist');
    const t0 = Date.now();
    result = await packageAll({ outDir: out });
    console.log(`# packageAll (4 bundles + real ffmpeg layer): ${Date.now() - t0} ms`);
  });
  after(async () => {
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  it('writes one zip per function and the ffmpeg layer, with sizes under SCF limits', () => {
    for (const name of [...FUNCTIONS, 'ffmpeg-layer']) assert.ok(existsSync(path.join(out, `${name}.zip`)), `${name}.zip`);
    assert.deepEqual(result.functions.map((f) => f.name).sort(), [...FUNCTIONS].sort());
    assert.deepEqual(result.limits.problems, []);
    assert.ok(result.limits.maxTotalUnpackedBytes < 500 * 1024 * 1024);
    for (const f of result.functions) {
      assert.ok(!f.bundle.packages.some((p) => p.includes('ffmpeg-installer') || p.includes('ffprobe-installer')), `${f.name} bundles no ffmpeg installer`);
      assert.ok(f.bundle.packages.includes('zod'), `${f.name} inlines zod`);
    }
  });

  it('the size check refuses code + layers over 500 MB and more than 5 layers', () => {
    const zip = (mb: number): ZipSummary => ({ file: 'x.zip', zipBytes: mb * 2 ** 19, unpackedBytes: mb * 2 ** 20, entries: [] });
    const r = checkLimits([{ name: 'big', zip: zip(400), layerCount: 6 }, { name: 'ok', zip: zip(1), layerCount: 1 }], [{ name: 'ffmpeg-layer', zip: zip(140) }]);
    assert.equal(r.problems.length, 2, r.problems.join('\n'));
    assert.match(r.problems[0]!, /^big: code \+ layers unpack to 540\.0 MiB, over SCF's 500\.0 MiB limit/);
    assert.match(r.problems[1]!, /^big: binds 6 layers/);
    assert.deepEqual(r.rows.map((row) => row.upload), ['via COS', 'direct', 'via COS']);
  });

  it('each function zip unpacks to a self-contained index.js that exports main_handler', async () => {
    // Nothing above the temp dir may provide modules: the bundle must carry its own.
    for (let d = tmp; ; d = path.dirname(d)) {
      assert.ok(!existsSync(path.join(d, 'node_modules')), `${d}/node_modules exists; the check would not prove anything`);
      if (path.dirname(d) === d) break;
    }
    for (const name of FUNCTIONS) {
      const zip = path.join(out, `${name}.zip`);
      const list = await run('python3', ['-m', 'zipfile', '-l', zip]);
      assert.equal(list.code, 0, list.stderr);
      assert.match(list.stdout, /^index\.js\s/m);
      const dir = path.join(tmp, 'unzipped', name);
      await mkdir(dir, { recursive: true });
      await unzip(zip, dir);
      assert.ok(existsSync(path.join(dir, 'index.js')), 'index.js at the zip root');
      // Called outside any runtime scope the handler must reject with an Error, not crash at import.
      const script = `
        const m = require('./index.js');
        const out = { type: typeof m.main_handler, exports: Object.keys(m) };
        Promise.resolve()
          .then(() => m.main_handler({}, { request_id: 'pkg-test', time_limit_in_ms: 10000 }))
          .then(() => { out.result = 'resolved'; }, (e) => { out.result = 'rejected'; out.isError = e instanceof Error; out.message = String(e && e.message); })
          .then(() => process.stdout.write(JSON.stringify(out)));`;
      const r = await run(process.execPath, ['-e', script], { cwd: dir, env: bareEnv() });
      assert.equal(r.code, 0, `${name}: ${r.stderr}`);
      const got = JSON.parse(r.stdout) as { type: string; exports: string[]; result: string; isError: boolean; message: string };
      assert.equal(got.type, 'function', `${name} exports main_handler`);
      assert.equal(got.result, 'rejected', `${name}: a call with no runtime fails`);
      assert.ok(got.isError && got.message.length > 0, `${name}: fails with an Error and a message`);
    }
  });

  it('the api zip carries the prebuilt console and serves it, and its session check, in SCF mode', async () => {
    const dir = path.join(tmp, 'console-api');
    await mkdir(dir, { recursive: true });
    await unzip(path.join(out, 'api.zip'), dir);
    for (const f of ['index.html', 'app.js', 'app.css']) assert.ok(existsSync(path.join(dir, 'console', f)), `console/${f} in api.zip`);
    assert.ok(existsSync(path.join(out, 'sls', 'console', 'app.js')), 'and in the sls deploy folder');
    const script = `
      const m = require('./index.js');
      const call = (e, id) => m.main_handler({ headers: {}, ...e }, { request_id: id, time_limit_in_ms: 10000 });
      Promise.all([
        call({ httpMethod: 'GET', path: '/console/app.js' }, 'a'),
        call({ httpMethod: 'GET', path: '/console/api/v1/streams' }, 'b'),
        call({ httpMethod: 'POST', path: '/console/session', headers: { 'x-hl-console': '1', 'content-type': 'application/json' }, body: '{"token":"${'0'.repeat(32)}"}' }, 'c'),
      ]).then((rs) => process.stdout.write(JSON.stringify(rs.map((r) => ({ status: r.statusCode, type: r.headers['content-type'], size: r.body.length, body: r.body.slice(0, 200) })))));`;
    const env: NodeJS.ProcessEnv = {
      ...bareEnv(), TENCENTCLOUD_RUNENV: 'SCF', TENCENTCLOUD_REGION: 'ap-guangzhou', HL_STORE: 'cos', HL_COS_BUCKET: 'b-1250000000',
      HL_COS_REGION: 'ap-guangzhou', HL_SECRET: 'pkg-secret', TENCENTCLOUD_SECRETID: 'id', TENCENTCLOUD_SECRETKEY: 'key', HL_LOG_LEVEL: 'silent',
    };
    delete env.HL_CONSOLE_DIR;
    const r = await run(process.execPath, ['-e', script], { cwd: dir, env });
    assert.equal(r.code, 0, r.stderr);
    const [js, api, login] = JSON.parse(r.stdout.slice(r.stdout.indexOf('[{'))) as Array<{ status: number; type: string; size: number; body: string }>;
    assert.equal(js!.status, 200);
    assert.match(js!.type, /^text\/javascript/);
    assert.ok(js!.size > 100_000, 'the built app.js (with hls.js)');
    assert.equal(api!.status, 401);
    assert.match(api!.body, /SESSION_REQUIRED/);
    assert.equal(login!.status, 401);
    assert.match(login!.body, /LOGIN_FAILED/);
  });

  it('the layer holds bin/ffmpeg and bin/ffprobe with mode 0755 in the zip, and they run', async () => {
    const zip = path.join(out, 'ffmpeg-layer.zip');
    const py = 'import json,sys,zipfile; print(json.dumps({i.filename: i.external_attr >> 16 for i in zipfile.ZipFile(sys.argv[1]).infolist()}))';
    const r = await run('python3', ['-c', py, zip]);
    assert.equal(r.code, 0, r.stderr);
    const modes = JSON.parse(r.stdout) as Record<string, number>;
    for (const bin of ['bin/ffmpeg', 'bin/ffprobe']) {
      assert.equal(modes[bin], 0o100755, `${bin} is a regular file with mode 0755 (got ${modes[bin]?.toString(8)})`);
    }
    // Our own central-directory reader agrees with python's.
    const ours = await readZip(zip);
    assert.deepEqual(Object.fromEntries(ours.entries.map((e) => [e.name, e.mode])), modes);

    const dir = path.join(tmp, 'layer');
    await unzip(zip, dir);
    for (const bin of ['ffmpeg', 'ffprobe']) {
      const file = path.join(dir, 'bin', bin);
      await chmod(file, 0o755); // python's zipfile does not restore modes; unzip and SCF do
      const v = await run(file, ['-version']);
      assert.equal(v.code, 0, v.stderr);
      assert.match(v.stdout, new RegExp(`^${bin} version`));
    }
  });

  it('in a bundle without node_modules, the ffmpeg lookup skips the npm installers and finds the layer binaries', async () => {
    // shared/media/ffmpeg-binaries.ts bundled like a function; /opt/bin is searched like PATH, so
    // the unpacked layer's bin/ on PATH stands in for /opt/bin here.
    const dir = path.join(tmp, 'lookup');
    await bundleEntry('lookup', path.join(ROOT, 'shared/media/ffmpeg-binaries.ts'), dir, { root: ROOT });
    const script = `
      const { resolveFfmpeg } = require('./index.js');
      try { process.stdout.write(JSON.stringify(resolveFfmpeg(process.env, false))); }
      catch (e) { process.stdout.write(JSON.stringify({ error: e.code, message: e.message })); }`;
    const env = { ...bareEnv(), FFMPEG_PATH: '', FFPROBE_PATH: '' };
    const layerBin = path.join(tmp, 'layer', 'bin');
    await unzip(path.join(out, 'ffmpeg-layer.zip'), path.join(tmp, 'layer'));
    await chmod(path.join(layerBin, 'ffmpeg'), 0o755);
    await chmod(path.join(layerBin, 'ffprobe'), 0o755);
    const found = await run(process.execPath, ['-e', script], { cwd: dir, env: { ...env, PATH: layerBin } });
    assert.equal(found.code, 0, found.stderr);
    assert.deepEqual(JSON.parse(found.stdout), {
      ffmpeg: path.join(layerBin, 'ffmpeg'), ffprobe: path.join(layerBin, 'ffprobe'), ffmpegSource: 'system', ffprobeSource: 'system',
    });
    if (!existsSync('/opt/bin/ffmpeg')) {
      // No layer and no npm package: a clean FFMPEG_NOT_FOUND, not a crash on the missing module.
      const none = await run(process.execPath, ['-e', script], { cwd: dir, env: { ...env, PATH: path.join(tmp, 'empty') } });
      assert.equal(none.code, 0, none.stderr);
      assert.equal(JSON.parse(none.stdout).error, 'FFMPEG_NOT_FOUND');
    }
  });

  it('writes a deploy folder for sls: the bundles as <function>.js and a multi-scf manifest derived from serverless.yml', async () => {
    const dir = result.deployDir;
    const doc = parse(await readFile(path.join(dir, 'serverless.yml'), 'utf8'));
    assert.equal(doc.component, 'multi-scf');
    assert.equal(doc.inputs.runtime, 'Nodejs18.15');
    assert.deepEqual(doc.inputs.src.src, './');
    const repo = parse(await readFile(path.join(ROOT, 'serverless.yml'), 'utf8'));
    for (const name of FUNCTIONS) {
      const f = doc.inputs.functions[name];
      assert.equal(f.handler, `${name}.main_handler`);
      assert.equal(f.name, `\${env:HL_SCF_FUNCTION_PREFIX}${name}`);
      assert.equal(f.timeout, repo.inputs.functions[name].timeout, 'timeouts come from serverless.yml');
      assert.equal(f.memorySize, repo.inputs.functions[name].memorySize);
      assert.equal(Boolean(f.asyncRunEnable), Boolean(repo.inputs.functions[name].asyncRunEnable));
      assert.ok(f.layers?.length === 1, 'the ffmpeg layer is bound');
      assert.ok(f.environment.some((e: { key: string; value: string }) => e.key === 'HL_STORE' && e.value === 'cos'));
      // The file the handler names exports main_handler, with no node_modules around it.
      const r = await run(process.execPath, ['-e', `const m = require('./${name}.js'); process.stdout.write(typeof m.main_handler)`], { cwd: dir, env: bareEnv() });
      assert.equal(r.stdout, 'function', `${name}.js: ${r.stderr}`);
    }
    const apigw = doc.inputs.triggers.find((t: { type: string }) => t.type === 'apigw');
    assert.ok(apigw.parameters.name, 'the API gateway service is named by parameters.name');
    assert.ok(apigw.parameters.apis.every((a: { function: unknown }) => a.function === 'api'), 'each API names the function key');
    assert.ok(doc.inputs.triggers.some((t: { type: string; function: string }) => t.type === 'cos' && t.function === 'clipper'));
    assert.ok(doc.inputs.triggers.some((t: { type: string; function: string }) => t.type === 'timer' && t.function === 'segmenter'));
  });

  it('the manifest check passes the real manifest and names each problem in a broken one', async () => {
    const good = await checkManifest({ root: ROOT, outDir: out });
    assert.deepEqual(good.problems, []);
    assert.equal(good.functions.length, 4);

    const relocated = await manifestVariant(tmp, 'relocated.yml', () => {});
    assert.deepEqual((await checkManifest({ root: ROOT, manifestFile: relocated, outDir: out })).problems, []);

    const broken = await manifestVariant(tmp, 'broken.yml', (inputs) => {
      inputs.functions.clipper.handler = 'index.clip_handler';
      inputs.functions.api.handler = 'main.main_handler';
      const cos = inputs.triggers.find((t: { type: string }) => t.type === 'cos');
      cos.function = 'highlighter';
      delete inputs.functions.transcoder;
    });
    const { problems } = await checkManifest({ root: ROOT, manifestFile: broken, outDir: out });
    const has = (re: RegExp) => assert.ok(problems.some((p) => re.test(p)), `a problem matching ${re} in:\n${problems.join('\n')}`);
    has(/clipper.*clip_handler/);
    has(/api.*main\.main_handler/);
    has(/trigger #\d+ \(cos\).*"highlighter"/);
    has(/functions\/transcoder\/index\.ts is not declared/);
    assert.equal(problems.length, 4, problems.join('\n'));

    // packageAll refuses it before building anything.
    await assert.rejects(
      packageAll({ manifestFile: broken, outDir: path.join(tmp, 'refused'), layer: false }),
      (err: unknown) => err instanceof PackagingError && /highlighter/.test(err.message) && err.problems.length >= 3,
    );
    assert.ok(!existsSync(path.join(tmp, 'refused')), 'nothing was written');
  });
});
