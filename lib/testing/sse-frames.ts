export interface Frame {
  id: number;
  event: string;
  data: { id: number; type: string; run_id: string | null; data: Record<string, unknown> };
}

/**
 * Reads a server-sent event stream the way a browser's EventSource would,
 * collecting the events that carry an id and the names of all events, and
 * keeping the last event id as the browser would send it on a reconnect (an
 * `id:` field alone sets it without dispatching anything).
 */
export function collectFrames(
  body: NonNullable<Response['body']>,
  into: { frames: Frame[]; named: string[]; lastEventId?: number | null } = { frames: [], named: [] },
) {
  const { frames, named } = into;
  into.lastEventId ??= null;
  const reader = body.pipeThrough(new TextDecoderStream()).getReader();
  const done = (async () => {
    let buffer = '';
    for (;;) {
      const { value, done } = await reader.read().catch(() => ({ value: undefined, done: true }));
      if (done) return;
      buffer += value;
      let end;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const fields = Object.fromEntries(
          block
            .split('\n')
            .filter((l) => !l.startsWith(':'))
            .map((l) => [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 1).trim()]),
        );
        if (fields.id) into.lastEventId = Number(fields.id);
        if (fields.event) named.push(fields.event);
        if (fields.id && fields.data)
          frames.push({ id: Number(fields.id), event: fields.event, data: JSON.parse(fields.data) });
      }
    }
  })();
  return {
    frames,
    named,
    done,
    get lastEventId() {
      return into.lastEventId ?? null;
    },
  };
}
