// The desktop's live connection to kefu (/api/v1/ws). One client per signed-in page.
//
// Protocol: the server greets with {"type":"hello","session","seq":0,"heartbeat_ms"}. A
// fresh client subscribes to its topics; a client that was connected before first sends
// {"type":"resume","session":<previous session>,"last_seq":<last event seen>} and the server
// replays what was missed, then says "resumed" — or "reset" when the gap is too old, after
// which we subscribe again as a new session. Events carry a per-session `seq`; an event at
// or below the last seen seq is a repeat and is dropped.
//
// Reconnects back off exponentially (0.5 s doubling to 30 s, with jitter). The client pings
// every half heartbeat; a connection silent for two heartbeats is treated as dead. Before each reconnect the client asks
// /auth/me, so an expired session ends in the login page instead of endless retries.

import { ref, type Ref } from 'vue';

export type ConnectionStatus = 'connecting' | 'connected' | 'reconnecting' | 'stopped';

export interface RealtimeEvent {
  seq: number;
  topic: string;
  event: string;
  data: unknown;
}

export interface RealtimeOptions {
  topics: string[];
  onEvent: (event: RealtimeEvent) => void;
  /** Resolves true while the HTTP session is still valid (a 401 makes it false). */
  checkSession: () => Promise<boolean>;
  url?: string;
  /** Where to publish the connection status; a new ref when omitted. */
  status?: Ref<ConnectionStatus>;
}

const kBackoffStartMs = 500;
const kBackoffMaxMs = 30000;
const kDefaultHeartbeatMs = 20000;

interface ServerMessage {
  type: string;
  session?: string;
  seq?: number;
  heartbeat_ms?: number;
  topic?: string;
  event?: string;
  data?: unknown;
}

function defaultUrl(): string {
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${scheme}//${location.host}/api/v1/ws`;
}

export class RealtimeClient {
  readonly status: Ref<ConnectionStatus>;

  private readonly options: RealtimeOptions;
  private socket: WebSocket | null = null;
  private stopped = false;
  private attempt = 0;
  /** Session whose events we have seen; null until the first successful subscribe. */
  private session: string | null = null;
  private lastSeq = 0;
  private heartbeatMs = kDefaultHeartbeatMs;
  private reconnectTimer: ReturnType<typeof setTimeout> | null = null;
  private pingTimer: ReturnType<typeof setInterval> | null = null;
  private lastHeardAt = 0;
  /** The current connection's hello, adopted if the server cannot resume the old session. */
  private pendingHello: ServerMessage | null = null;

  constructor(options: RealtimeOptions) {
    this.options = options;
    this.status = options.status ?? ref<ConnectionStatus>('connecting');
  }

  start(): void {
    this.stopped = false;
    this.status.value = 'connecting';
    this.open();
  }

  stop(): void {
    this.stopped = true;
    this.status.value = 'stopped';
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = null;
    this.stopHeartbeat();
    const socket = this.socket;
    this.socket = null;
    socket?.close(1000, 'client stopped');
  }

  private open(): void {
    if (this.stopped) return;
    let socket: WebSocket;
    try {
      socket = new WebSocket(this.options.url ?? defaultUrl());
    } catch (e) {
      console.warn('kefu: WebSocket failed to open', e);
      this.scheduleReconnect();
      return;
    }
    this.socket = socket;
    socket.onmessage = (ev) => this.handleMessage(socket, ev);
    socket.onclose = () => {
      if (this.socket !== socket) return;
      this.socket = null;
      this.stopHeartbeat();
      this.scheduleReconnect();
    };
    // onerror is always followed by onclose, which handles the reconnect.
    socket.onerror = () => undefined;
  }

  private send(socket: WebSocket, message: object): void {
    if (socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify(message));
  }

  private handleMessage(socket: WebSocket, ev: MessageEvent): void {
    if (this.socket !== socket) return;
    this.lastHeardAt = Date.now();
    let msg: ServerMessage;
    try {
      msg = JSON.parse(String(ev.data)) as ServerMessage;
    } catch {
      console.warn('kefu: WebSocket message is not JSON');
      return;
    }
    switch (msg.type) {
      case 'hello': {
        this.heartbeatMs = msg.heartbeat_ms && msg.heartbeat_ms > 0 ? msg.heartbeat_ms
                                                                   : kDefaultHeartbeatMs;
        this.startHeartbeat(socket);
        if (this.session) {
          this.send(socket, { type: 'resume', session: this.session, last_seq: this.lastSeq });
        } else {
          this.adopt(msg);
          this.subscribe(socket);
        }
        this.pendingHello = msg;
        break;
      }
      case 'resumed':
        // The connection now carries the old session (and its sequence numbers) on.
        if (msg.session) this.session = msg.session;
        this.connected();
        break;
      case 'reset':
        // Too far behind to replay (or the server restarted): continue as the new
        // connection's session, from its first event.
        this.adopt({ ...this.pendingHello, ...msg, seq: 0 } as ServerMessage);
        this.subscribe(socket);
        break;
      case 'subscribed':
        this.connected();
        break;
      case 'event':
        this.handleEvent(msg);
        break;
      case 'pong':
        break;
      case 'error':
        console.warn('kefu: WebSocket error message', msg);
        break;
      default:
        break;
    }
  }

  private adopt(hello: ServerMessage): void {
    this.session = hello.session ?? null;
    this.lastSeq = hello.seq ?? 0;
  }

  private subscribe(socket: WebSocket): void {
    this.send(socket, { type: 'subscribe', topics: this.options.topics });
  }

  private connected(): void {
    this.attempt = 0;
    this.status.value = 'connected';
  }

  private handleEvent(msg: ServerMessage): void {
    const seq = typeof msg.seq === 'number' ? msg.seq : null;
    if (seq !== null) {
      if (seq <= this.lastSeq) return;
      this.lastSeq = seq;
    }
    this.options.onEvent({
      seq: seq ?? 0,
      topic: msg.topic ?? '',
      event: msg.event ?? '',
      data: msg.data,
    });
  }

  private startHeartbeat(socket: WebSocket): void {
    this.stopHeartbeat();
    this.lastHeardAt = Date.now();
    this.pingTimer = setInterval(() => {
      if (Date.now() - this.lastHeardAt > 2 * this.heartbeatMs) {
        // Silent for two heartbeats: the connection is dead even if TCP has not noticed.
        socket.close(4000, 'heartbeat timeout');
        if (this.socket === socket) {
          this.socket = null;
          this.stopHeartbeat();
          this.scheduleReconnect();
        }
        return;
      }
      this.send(socket, { type: 'ping' });
      // Twice per heartbeat, so a server that drops connections silent for one heartbeat
      // never sees us silent that long.
    }, this.heartbeatMs / 2);
  }

  private stopHeartbeat(): void {
    if (this.pingTimer) clearInterval(this.pingTimer);
    this.pingTimer = null;
  }

  private scheduleReconnect(): void {
    if (this.stopped || this.reconnectTimer) return;
    this.status.value = 'reconnecting';
    const base = Math.min(kBackoffMaxMs, kBackoffStartMs * 2 ** this.attempt);
    const delay = base / 2 + Math.random() * (base / 2);
    this.attempt += 1;
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null;
      void this.options.checkSession().then((valid) => {
        if (valid) this.open();
        else this.stop();
      });
    }, delay);
  }
}
