import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parse } from 'yaml';
import { AppError } from '../shared/domain/app-error.ts';
import type { FunctionName } from '../shared/invoke/invoker.ts';

export interface ManifestFunction {
  name: FunctionName;
  /** Folder holding index.(ts|js), relative to the manifest. */
  src: string;
  /** "index.main_handler" */
  handler: string;
  timeoutSec: number;
  memoryMb: number;
  asyncRun: boolean;
}

export interface ManifestTrigger {
  type: 'apigw' | 'cos' | 'timer';
  function: FunctionName;
  parameters: Record<string, unknown>;
}

export interface Manifest {
  functions: ManifestFunction[];
  triggers: ManifestTrigger[];
}

const NAMES: FunctionName[] = ['api', 'segmenter', 'clipper', 'transcoder'];

/**
 * Read serverless.yml (Tencent's multi-scf component format) for the local runtime: which
 * functions exist, their handlers, limits and async mode, and which triggers feed them.
 */
export async function loadManifest(file: string): Promise<Manifest> {
  const doc = parse(await readFile(file, 'utf8')) as { inputs?: Record<string, unknown> };
  const inputs = doc?.inputs;
  if (!inputs || typeof inputs !== 'object') throw new AppError('BAD_REQUEST', `${file}: no inputs section`);
  const dflt = { timeout: Number(inputs.timeout ?? 60), memorySize: Number(inputs.memorySize ?? 512) };
  const fns = inputs.functions as Record<string, Record<string, unknown>> | undefined;
  if (!fns) throw new AppError('BAD_REQUEST', `${file}: inputs.functions is missing`);
  const base = path.dirname(path.resolve(file));
  const functions: ManifestFunction[] = Object.entries(fns).map(([name, f]) => {
    if (!NAMES.includes(name as FunctionName)) throw new AppError('BAD_REQUEST', `${file}: unknown function ${name}`);
    return {
      name: name as FunctionName,
      src: path.resolve(base, String(f.src ?? `./functions/${name}`)),
      handler: String(f.handler ?? 'index.main_handler'),
      timeoutSec: Number(f.timeout ?? dflt.timeout),
      memoryMb: Number(f.memorySize ?? dflt.memorySize),
      asyncRun: f.asyncRunEnable === true,
    };
  });
  const triggers = ((inputs.triggers as ManifestTrigger[] | undefined) ?? []).map((t) => {
    if (!functions.some((f) => f.name === t.function)) throw new AppError('BAD_REQUEST', `${file}: trigger for unknown function ${t.function}`);
    return t;
  });
  return { functions, triggers };
}
