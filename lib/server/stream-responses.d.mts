import type { IncomingMessage, ServerResponse } from 'node:http';

export const STREAM_RESPONSE_HEADER: string;
export const EVENTS_PATH: string;
export function offerResponse(req: IncomingMessage, res: ServerResponse): void;
export function takeResponse(headers: Headers): ServerResponse | null;
