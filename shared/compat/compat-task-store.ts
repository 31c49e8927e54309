import { assertId } from '../domain/ids.ts';
import { getJson, putJson, putJsonIfAbsent, type ObjectStore } from '../storage/object-store.ts';
import type { CompatPlan } from './trtc-record-request.ts';

/** The template's result: returned from status, and POSTed to Callback (REFERENCE.md §8). */
export interface TemplateResult {
  SdkAppId: number;
  RoomId: number;
  StrRoomId: string;
  UserId: string;
  Files: Array<{ UserId: string; RecordFile: string; Status: 0 | 1; Message: string }>;
}

/** One template request: compat/trtc/tasks/<id>.json. Kept (never swept), so status outlives the template's 3 days. */
export interface CompatTask {
  id: string;
  state: 'running' | 'stopping' | 'finished' | 'failed';
  plan: CompatPlan;
  recorderUserId: string;
  recordingId: string;
  /** COS target; the SecretKey sealed (seal.ts), never stored as given. */
  cos: { Region: string; Bucket: string; Path: string; SecretId?: string; sealedSecretKey?: string };
  callback?: string;
  isReserve?: boolean | 0 | 1;
  idleSec: number;
  createdAt: string;
  updatedAt: string;
  heartbeatAt?: string;
  /** The supervisor invocation watching it (a successor takes over near a deadline). */
  supervisor?: string;
  stopReason?: 'idle' | 'removed';
  finishedAt?: string;
  result?: TemplateResult;
  callbackOutcome?: { delivered: boolean; attempts: number; lastStatus?: number; lastError?: string; at: string };
  error?: { code: string; message: string };
}

export const taskKey = (id: string) => `compat/trtc/tasks/${assertId(id, 'task id')}.json`;
export const stopKey = (id: string) => `compat/trtc/tasks/${assertId(id, 'task id')}.stop.json`;
/** One running task per (app, room, recording user) when the user id is the caller's: repeated requests find it. */
export const activeKey = (p: Pick<CompatPlan, 'sdkAppId' | 'roomId'>, userId: string) => `compat/trtc/active/${p.sdkAppId}_${assertId(p.roomId, 'room id')}_${assertId(userId, 'user id')}.json`;

export const readTask = (store: ObjectStore, id: string) => getJson<CompatTask>(store, taskKey(id));
export const createTask = (store: ObjectStore, t: CompatTask) => putJsonIfAbsent(store, taskKey(t.id), t);
export async function saveTask(store: ObjectStore, t: CompatTask): Promise<CompatTask> {
  const next = { ...t, updatedAt: new Date().toISOString() };
  await putJson(store, taskKey(t.id), next);
  return next;
}
