import { ReplayGuard } from '../auth/request-signature.ts';
import { loadConfig } from '../config/config.ts';
import { AppError } from '../domain/app-error.ts';
import { ScfInvoker } from '../invoke/scf-invoker.ts';
import { createLogger } from '../log/logger.ts';
import { createStore } from '../storage/create-store.ts';

/** True inside a deployed SCF function (SCF sets TENCENTCLOUD_RUNENV=SCF). */
export const inScf = (env: NodeJS.ProcessEnv = process.env) => env.TENCENTCLOUD_RUNENV === 'SCF';

/**
 * Deps of a deployed function instance, from its environment: the COS store (HL_STORE=cos,
 * HL_COS_*), SCF as the invoker (its region, namespace and HL_SCF_FUNCTION_PREFIX), the role's keys
 * for both. Built once per instance.
 */
/** (Typed by its use: deps.ts takes the result as its Deps, without a type import back here.) */
export function cloudDeps(env: NodeJS.ProcessEnv = process.env) {
  const config = loadConfig(env);
  if (config.store.kind !== 'cos') throw new AppError('BAD_REQUEST', 'in SCF the store must be COS: set HL_STORE=cos, HL_COS_BUCKET and HL_COS_REGION');
  if (!config.scf.region) throw new AppError('BAD_REQUEST', 'no region for SCF calls: TENCENTCLOUD_REGION (set by SCF) or HL_SCF_REGION');
  const log = createLogger();
  return {
    config,
    store: createStore(config),
    invoker: new ScfInvoker({
      region: config.scf.region, namespace: config.scf.namespace, functionPrefix: config.scf.functionPrefix,
      endpoint: config.scf.endpoint, protocol: config.scf.protocol, log,
    }),
    log,
    replay: new ReplayGuard(config.signatureToleranceSec * 2000),
  };
}
