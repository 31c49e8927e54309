import { signedHeaders } from '../shared/auth/request-signature.ts';

export class ApiError extends Error {
  constructor(readonly status: number, readonly code: string, message: string) {
    super(message);
  }
}

/** Signs every request the way a game server would (README: "Signing requests"). */
export class ApiClient {
  constructor(readonly baseUrl: string, private secret: string) {}

  async request<T = any>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> {
    const text = body === undefined ? '' : JSON.stringify(body);
    const res = await fetch(this.baseUrl + path, {
      method,
      headers: { 'content-type': 'application/json', ...signedHeaders(this.secret, method, path, text) },
      body: text || undefined,
    });
    const raw = await res.text();
    let parsed: any;
    try {
      parsed = raw ? JSON.parse(raw) : {};
    } catch {
      parsed = { error: { code: 'BAD_RESPONSE', message: raw.slice(0, 200) } };
    }
    if (!res.ok) throw new ApiError(res.status, parsed?.error?.code ?? 'HTTP_' + res.status, parsed?.error?.message ?? res.statusText);
    return { status: res.status, body: parsed as T };
  }

  /** Poll a highlight until it finishes; onProgress sees every state. */
  async waitForHighlight(id: string, opts: { timeoutMs?: number; intervalMs?: number; onProgress?: (job: any) => void } = {}): Promise<any> {
    const deadline = Date.now() + (opts.timeoutMs ?? 120_000);
    for (;;) {
      const { body: job } = await this.request('GET', `/v1/highlights/${id}`);
      opts.onProgress?.(job);
      if (job.status === 'succeeded' || job.status === 'failed' || job.status === 'cancelled') return job;
      if (Date.now() > deadline) throw new ApiError(504, 'TIMEOUT', `highlight ${id} did not finish in ${(opts.timeoutMs ?? 120_000) / 1000}s (last status ${job.status})`);
      await new Promise((r) => setTimeout(r, opts.intervalMs ?? 200));
    }
  }
}
