// A plain HTTP client for Server-Sent Events in tests: reads the stream of a live server and parses its frames.
import { request, type ClientRequest, type IncomingMessage } from 'node:http';

export interface SseEvent {
  event: string;
  id?: string;
  data: string;
}

export interface SseClient {
  status: number;
  events: SseEvent[];
  /** Comment lines (heartbeats) seen. */
  comments: number;
  /** Resolves when the server ends or cuts the stream. */
  ended: Promise<void>;
  isOpen(): boolean;
  /** The events of one type, data parsed. */
  data<T = unknown>(event: string): T[];
  lastId(): string | undefined;
  close(): void;
}

/** Opens `url` (a GET) and parses what arrives; resolves once the response headers are in. */
export function openStream(url: string, headers: Record<string, string> = {}): Promise<SseClient> {
  return new Promise((resolve, reject) => {
    const req: ClientRequest = request(url, { headers: { accept: 'text/event-stream', ...headers } });
    req.on('error', reject);
    req.on('response', (res: IncomingMessage) => {
      let isOpen = true;
      const client: SseClient = {
        status: res.statusCode ?? 0,
        events: [],
        comments: 0,
        ended: new Promise<void>((done) => {
          const end = () => ((isOpen = false), done());
          res.on('end', end);
          res.on('close', end);
          res.on('error', end);
        }),
        isOpen: () => isOpen,
        data: <T>(event: string) => client.events.filter((e) => e.event === event).map((e) => JSON.parse(e.data) as T),
        lastId: () => client.events.findLast((e) => e.id !== undefined)?.id,
        close: () => req.destroy(),
      };
      let buffered = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buffered += chunk;
        let end;
        while ((end = buffered.indexOf('\n\n')) >= 0) {
          const frame = buffered.slice(0, end);
          buffered = buffered.slice(end + 2);
          const e: SseEvent = { event: 'message', data: '' };
          let isComment = true;
          for (const line of frame.split('\n')) {
            if (line.startsWith(':')) continue;
            isComment = false;
            const colon = line.indexOf(':');
            const field = colon < 0 ? line : line.slice(0, colon);
            const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
            if (field === 'event') e.event = value;
            else if (field === 'id') e.id = value;
            else if (field === 'data') e.data += value;
          }
          if (isComment) client.comments += 1;
          else if (e.data !== '' || e.id !== undefined) client.events.push(e);
        }
      });
      resolve(client);
    });
    req.end();
  });
}
