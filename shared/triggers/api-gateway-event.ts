/** The API gateway → SCF event (REFERENCE.md §2), the fields we read. */
export interface ApiGatewayEvent {
  requestContext?: { requestId?: string; httpMethod?: string; path?: string; sourceIp?: string; stage?: string };
  httpMethod: string;
  path: string;
  headers?: Record<string, string | undefined>;
  queryString?: Record<string, string>;
  queryStringParameters?: Record<string, string>;
  body?: string;
  isBase64Encoded?: boolean | string;
  pathParameters?: Record<string, string>;
}

/** The integrated response SCF hands back to API gateway. */
export interface ApiGatewayResponse {
  isBase64Encoded: boolean;
  statusCode: number;
  headers: Record<string, string>;
  body: string;
}

export interface HttpRequest {
  method: string;
  path: string;
  headers: Record<string, string | undefined>;
  query: Record<string, string>;
  body: string;
  requestId?: string;
  sourceIp?: string;
}

export function isApiGatewayEvent(e: unknown): e is ApiGatewayEvent {
  return typeof e === 'object' && e !== null && typeof (e as ApiGatewayEvent).httpMethod === 'string' && typeof (e as ApiGatewayEvent).path === 'string';
}

/** API gateway event → neutral request. isBase64Encoded arrives as a boolean or the string "true". */
export function fromApiGatewayEvent(e: ApiGatewayEvent): HttpRequest {
  const headers: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(e.headers ?? {})) headers[k.toLowerCase()] = v;
  const b64 = e.isBase64Encoded === true || e.isBase64Encoded === 'true';
  const body = e.body ? (b64 ? Buffer.from(e.body, 'base64').toString('utf8') : e.body) : '';
  return {
    method: e.httpMethod.toUpperCase(),
    path: e.path,
    headers,
    query: { ...(e.queryString ?? {}), ...(e.queryStringParameters ?? {}) },
    body,
    requestId: e.requestContext?.requestId,
    sourceIp: e.requestContext?.sourceIp,
  };
}

export function jsonResponse(statusCode: number, value: unknown): ApiGatewayResponse {
  return { isBase64Encoded: false, statusCode, headers: { 'content-type': 'application/json; charset=utf-8' }, body: JSON.stringify(value) };
}

/** Neutral request → API gateway event (the local runtime's HTTP server uses this). */
export function toApiGatewayEvent(r: HttpRequest): ApiGatewayEvent {
  return {
    requestContext: { requestId: r.requestId, httpMethod: r.method, path: r.path, sourceIp: r.sourceIp, stage: 'release' },
    httpMethod: r.method,
    path: r.path,
    headers: r.headers,
    queryString: r.query,
    queryStringParameters: r.query,
    body: r.body,
    isBase64Encoded: false,
  };
}
