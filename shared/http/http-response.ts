/** A response with any body: the API core speaks JSON only; the console and the template route need more. */
export interface HttpResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}
