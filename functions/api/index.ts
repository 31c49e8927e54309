import { AppError } from '../../shared/domain/app-error.ts';
import { routeCompat } from '../../shared/compat/route-compat.ts';
import { routeConsole } from '../../shared/console/route-console.ts';
import { routeRequest } from '../../shared/http/route-request.ts';
import { defineHandler } from '../../shared/runtime/define-handler.ts';
import { fromApiGatewayEvent, isApiGatewayEvent, jsonResponse } from '../../shared/triggers/api-gateway-event.ts';

/** HTTP front door: API gateway event in, integrated response out. /console is the web console; /v1/compat/trtc-record the SCF recording templates' drop-in. */
export const main_handler = defineHandler('api', async (event, { deps }) => {
  if (!isApiGatewayEvent(event)) throw new AppError('BAD_REQUEST', 'the api function expects an API gateway event');
  const req = fromApiGatewayEvent(event);
  if (req.path === '/console' || req.path.startsWith('/console/')) {
    const res = await routeConsole(req, deps);
    return { isBase64Encoded: false, statusCode: res.status, headers: res.headers, body: res.body };
  }
  if (req.path === '/v1/compat/trtc-record' || req.path.startsWith('/v1/compat/trtc-record/')) {
    const res = await routeCompat(req, deps);
    return { isBase64Encoded: false, statusCode: res.status, headers: res.headers, body: res.body };
  }
  const res = await routeRequest(req, deps);
  return jsonResponse(res.status, res.body);
});
