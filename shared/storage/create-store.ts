import type { StoreConfig } from '../config/config.ts';
import { CosStore } from './cos-store.ts';
import { LocalFsStore } from './local-fs-store.ts';
import type { ObjectStore } from './object-store.ts';

/** The configured store: a COS bucket, or the local data folder. */
export function createStore(store: StoreConfig, dataDir: string): ObjectStore {
  if (store.kind === 'cos') return new CosStore(store);
  return new LocalFsStore({ root: dataDir });
}
