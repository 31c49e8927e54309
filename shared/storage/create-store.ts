import type { Config } from '../config/config.ts';
import { CosStore } from './cos-store.ts';
import { LocalFsStore } from './local-fs-store.ts';
import type { ObjectStore } from './object-store.ts';
import { RoutedStore } from './routed-store.ts';

/** The configured store: a COS bucket or the local data folder, with clips routed to their own bucket when one is set. */
export function createStore(config: Pick<Config, 'store' | 'outputStore' | 'dataDir'>, local?: ObjectStore): ObjectStore {
  const main = config.store.kind === 'cos' ? new CosStore(config.store) : (local ?? new LocalFsStore({ root: config.dataDir }));
  return config.outputStore ? new RoutedStore(main, new CosStore(config.outputStore)) : main;
}
