import WebSocket from 'ws';
import { Waiters } from './waiters.js';

export interface Frame {
  type: string;
  [field: string]: unknown;
}

/** A WebSocket client that records every frame; `until` waits for frames, not for time. */
export class TestClient {
  readonly frames: Frame[] = [];
  /** When each of `frames` arrived (epoch ms), at the same index. */
  readonly arrivals: number[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;
  id = '';
  private readonly waiters = new Waiters();

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      this.frames.push(JSON.parse(data.toString()) as Frame);
      this.arrivals.push(Date.now());
      this.notify();
    });
    ws.on('error', () => undefined);
    this.closed = new Promise((resolve) =>
      ws.once('close', (code, reason) => {
        resolve({ code, reason: reason.toString() });
        this.notify();
      }),
    );
  }

  /** Connects and resolves once the welcome frame has arrived. */
  static async connect(url: string): Promise<TestClient> {
    const client = new TestClient(new WebSocket(url));
    await client.until((f) => f.some((x) => x.type === 'welcome'));
    client.id = client.frames.find((f) => f.type === 'welcome')!.clientId as string;
    return client;
  }

  /** Reconnects as the client `token` belongs to (`?resume=`), from `last` (the id of the last frame it got). */
  static resume(url: string, token: string, last?: string, params: Record<string, string> = {}): Promise<TestClient> {
    const query = new URLSearchParams({ ...params, resume: token, ...(last === undefined ? {} : { last }) });
    return TestClient.connect(`${url.replace(/\/$/, '')}/?${query}`);
  }

  /** The welcome frame (the first one, or the one after a resume refusal). */
  welcome(): Frame {
    return this.frames.find((f) => f.type === 'welcome')!;
  }

  /** The id of the last frame received that carries one: the `last` of a resume. */
  lastId(): string | undefined {
    return this.frames.findLast((f) => typeof f.id === 'string' && f.type !== 'error')?.id as string | undefined;
  }

  /** Its network dies: the socket is destroyed without a close frame (the server sees 1006). */
  drop(): void {
    this.ws.terminate();
  }

  send(frame: object | string): void {
    this.ws.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
  }

  of(type: string): Frame[] {
    return this.frames.filter((f) => f.type === type);
  }

  /** The last client-list frame received. */
  lastClientList(): string[] | undefined {
    return this.of('client-list').at(-1)?.clients as string[] | undefined;
  }

  until(check: (frames: Frame[]) => boolean, timeoutMs = 30_000): Promise<void> {
    return this.waiters.until(
      () => check(this.frames),
      timeoutMs,
      () => `${this.id || 'client'}; last frames: ${JSON.stringify(this.frames.slice(-5))}`,
    );
  }

  /** Waits until a frame of this type matching `match` arrives, and returns it. */
  async next(type: string, match: (f: Frame) => boolean = () => true, timeoutMs?: number): Promise<Frame> {
    await this.until((frames) => frames.some((f) => f.type === type && match(f)), timeoutMs);
    return this.frames.find((f) => f.type === type && match(f))!;
  }

  close(): Promise<{ code: number; reason: string }> {
    if (this.ws.readyState === WebSocket.OPEN || this.ws.readyState === WebSocket.CONNECTING) this.ws.close();
    return this.closed;
  }

  private notify(): void {
    this.waiters.notify();
  }
}

/**
 * Waits until each client's last client-list holds all of them (they know of each other) and each
 * has had the notice of its own connect: notices go out in log order, at most once a second, so by
 * then every notice about an earlier change has reached it too.
 */
export async function settled(clients: TestClient[]): Promise<void> {
  const ids = clients.map((c) => c.id);
  const ownNotice = (c: TestClient): boolean => c.of('client-connected').some((f) => f.clientId === c.id);
  await Promise.all(clients.map((c) => c.until(() => ids.every((id) => c.lastClientList()?.includes(id)) && ownNotice(c))));
}
