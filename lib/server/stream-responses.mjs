// Live event streams written straight to their sockets.
//
// A route handler answers with a web Response, and Next.js copies its body to
// Node's response through a web-stream pipe: several promises per chunk. With
// a thousand clients, every batch of events went a thousand times through that
// pipe, which cost more than the writes themselves. Our server
// (scripts/server.mjs) therefore offers the Node response of each event-stream
// request to the route: it files the response here under a random id and
// passes the id in a request header. The route — after its door has
// authorized the request as for any other — takes the response and, once
// Next.js has sent the headers and the first frames, writes later frames to it
// itself (lib/api/event-stream.ts). Without our server (`next dev`, tests)
// nothing is offered and the stream goes through Next.js as before.
//
// Plain JavaScript, shared by the server (run by node) and the app (bundled by
// Next.js): the two are separate module instances, so the responses are kept
// on globalThis.
import { randomUUID } from 'node:crypto';

export const STREAM_RESPONSE_HEADER = 'x-reprise-stream-response';
export const EVENTS_PATH = '/api/events';

const KEY = Symbol.for('reprise.streamResponses');
/** @returns {Map<string, import('node:http').ServerResponse>} */
const offered = () => (globalThis[KEY] ??= new Map());

/**
 * The server, for every request: removes any value of the header a client
 * sent (only the server names a response), and offers the response of an
 * event-stream request until it is taken or closed.
 */
export function offerResponse(req, res) {
  delete req.headers[STREAM_RESPONSE_HEADER];
  if (req.method !== 'GET') return;
  const url = req.url ?? '';
  const end = url.indexOf('?');
  if ((end < 0 ? url : url.slice(0, end)) !== EVENTS_PATH) return;
  const id = randomUUID();
  offered().set(id, res);
  req.headers[STREAM_RESPONSE_HEADER] = id;
  res.once('close', () => offered().delete(id));
}

/** The route: the Node response offered for this request, once; null when none was. */
export function takeResponse(headers) {
  const id = headers.get(STREAM_RESPONSE_HEADER);
  if (!id) return null;
  const res = offered().get(id) ?? null;
  offered().delete(id);
  return res;
}
