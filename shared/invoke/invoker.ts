/** Names of the deployable functions (serverless.yml). */
export type FunctionName = 'api' | 'segmenter' | 'clipper' | 'transcoder';

export type InvocationStatus = 'RUNNING' | 'FINISHED' | 'FAILED' | 'ABORTED' | 'UNKNOWN';

/**
 * How one function calls another. Local: in-process with bounded concurrency.
 * Cloud (later issue): SCF Invoke / GetAsyncEventStatus / TerminateAsyncEvent.
 */
export interface Invoker {
  /** Run and wait for the result (the transcoder fan-out uses this). */
  invokeSync<T = unknown>(fn: FunctionName, event: unknown): Promise<T>;
  /** Queue and return at once with the invocation's request id. */
  invokeAsync(fn: FunctionName, event: unknown): Promise<{ requestId: string }>;
  status(requestId: string): Promise<InvocationStatus>;
  terminate(requestId: string): Promise<void>;
}

/** The SCF context fields the handlers read (REFERENCE.md §1). */
export interface FunctionContext {
  request_id: string;
  function_name: string;
  time_limit_in_ms: number;
  memory_limit_in_mb: number;
  namespace?: string;
  [k: string]: unknown;
}

export type FunctionHandler = (event: unknown, context: FunctionContext) => Promise<unknown>;
