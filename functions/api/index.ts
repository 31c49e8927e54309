import { AppError } from '../../shared/domain/app-error.ts';
import { routeRequest } from '../../shared/http/route-request.ts';
import { defineHandler } from '../../shared/runtime/define-handler.ts';
import { fromApiGatewayEvent, isApiGatewayEvent, jsonResponse } from '../../shared/triggers/api-gateway-event.ts';

/** HTTP front door: API gateway event in, integrated response out. */
export const main_handler = defineHandler('api', async (event, { deps }) => {
  if (!isApiGatewayEvent(event)) throw new AppError('BAD_REQUEST', 'the api function expects an API gateway event');
  const res = await routeRequest(fromApiGatewayEvent(event), deps);
  return jsonResponse(res.status, res.body);
});
