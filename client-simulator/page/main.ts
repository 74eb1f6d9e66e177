import { config } from 'zod';
import type { ClientFrame, ServerFrame } from '@cmf/shared/protocol';
import { ClientListView } from './client-list-view.js';
import { describeClose } from './close-reason.js';
import { Connection } from './connection.js';
import { byId } from './dom.js';
import { entryForFrame, wantsToast, type EntryKind, type LogEntry } from './log-entry.js';
import { MessageLog } from './message-log.js';
import { defaultServerUrl, toWebSocketUrl } from './server-url.js';
import { StatusView } from './status-view.js';
import { Toasts } from './toasts.js';

// The page's Content-Security-Policy forbids eval; zod would otherwise probe `new Function`
// and the browser would report a violation on every load.
config({ jitless: true });

const ui = {
  connectForm: byId('connect-form', HTMLFormElement),
  url: byId('server-url', HTMLInputElement),
  disconnect: byId('disconnect', HTMLButtonElement),
  composer: byId('composer', HTMLFormElement),
  message: byId('message', HTMLInputElement),
  send: byId('send', HTMLButtonElement),
  kickOne: byId('kick-one', HTMLButtonElement),
  kickAll: byId('kick-all', HTMLButtonElement),
  clearLog: byId('clear-log', HTMLButtonElement),
};
const status = new StatusView(byId('status', HTMLElement), byId('status-text', HTMLElement));
const log = new MessageLog(byId('log', HTMLOListElement));
const toasts = new Toasts(byId('toasts', HTMLElement));
const clients = new ClientListView(
  { list: byId('client-list', HTMLUListElement), count: byId('client-count', HTMLElement), target: byId('target', HTMLSelectElement) },
  () => renderControls(),
);

/** The current connection, and what we learnt on it that its close event does not say. */
interface Session {
  connection: Connection;
  self?: string;
  kickedMessage?: string;
  closedByUser: boolean;
}
let session: Session | undefined;

const note = (kind: EntryKind, text: string, who?: string): void => log.add({ kind, at: Date.now(), text, ...(who ? { who } : {}) });

function connect(): void {
  const url = toWebSocketUrl(ui.url.value);
  if (!url) {
    status.show('closed', 'Not a ws:// or wss:// URL');
    note('error', `Not a WebSocket URL: ${ui.url.value}`);
    return;
  }
  disconnect();
  const current: Session = {
    closedByUser: false,
    connection: new Connection(url, {
      open: () => {
        if (session !== current) return;
        status.show('open', 'Open, waiting for welcome');
        renderControls();
      },
      frame: (frame) => {
        if (session === current) onFrame(current, frame);
      },
      invalid: (raw, problem) => {
        if (session === current) note('invalid', `Unparseable frame (${problem}): ${raw.slice(0, 300)}`);
      },
      close: (event) => {
        if (session === current) onClose(current, event);
      },
    }),
  };
  session = current;
  clients.update([], undefined);
  status.show('connecting', `Connecting to ${url}`);
  note('system', `Connecting to ${url}`);
  renderControls();
}

function disconnect(): void {
  if (!session) return;
  session.closedByUser = true;
  session.connection.close();
}

function onFrame(current: Session, frame: ServerFrame): void {
  if (frame.type === 'welcome') {
    current.self = frame.clientId;
    status.show('open', `Connected as ${frame.clientId}`);
    renderControls();
  } else if (frame.type === 'client-list') {
    clients.update(frame.clients, current.self);
  } else if (frame.type === 'kicked') {
    current.kickedMessage = frame.message;
  }
  const entry = entryForFrame(frame, current.self, Date.now());
  if (entry) log.add(entry);
  if (entry && wantsToast(frame, current.self)) toasts.show(entry.kind, toastTitle(entry), entry.text);
}

function toastTitle(entry: LogEntry): string {
  switch (entry.kind) {
    case 'broadcast':
      return `Broadcast from ${entry.who ?? 'unknown'}`;
    case 'direct':
      return `Direct message from ${entry.who ?? 'unknown'}`;
    case 'kicked':
      return 'You were kicked';
    default:
      return entry.who ? `Error: ${entry.who}` : 'Error';
  }
}

function onClose(current: Session, event: { code: number; reason: string; opened: boolean }): void {
  session = undefined;
  const reason = describeClose({ ...event, byUser: current.closedByUser });
  const detail = current.kickedMessage ? `${current.kickedMessage} (${reason.detail})` : reason.detail;
  status.show('closed', `Closed: ${reason.label}, ${detail}`);
  note('system', `Disconnected: ${reason.label}, ${detail}`);
  clients.update([], undefined);
  renderControls();
}

function renderControls(): void {
  const ready = session?.connection.isOpen === true && session.self !== undefined;
  const target = clients.target;
  ui.disconnect.disabled = !session;
  ui.send.disabled = !ready;
  ui.send.textContent = target ? 'Send direct' : 'Broadcast';
  ui.send.title = target ? `Send to ${target} only` : 'Send to every client';
  ui.kickOne.disabled = !ready || !target;
  ui.kickOne.title = target ? `Kick ${target}` : 'Pick a client to kick';
  ui.kickAll.disabled = !ready;
}

function send(frame: ClientFrame): boolean {
  if (!session?.connection.isOpen) return false;
  session.connection.send(frame);
  return true;
}

ui.connectForm.addEventListener('submit', (event) => {
  event.preventDefault();
  connect();
});
ui.disconnect.addEventListener('click', disconnect);
ui.clearLog.addEventListener('click', () => log.clear());

// Enter in the message field submits the composer: a broadcast, or a direct message when a client is picked.
ui.composer.addEventListener('submit', (event) => {
  event.preventDefault();
  const message = ui.message.value;
  if (!message.trim()) return;
  const targetId = clients.target;
  const sent = targetId ? send({ type: 'broadcast-one', targetId, message }) : send({ type: 'broadcast-all', message });
  if (!sent) return;
  // A broadcast comes back to us like to everyone else; a direct message does not, so log it here.
  if (targetId) note('sent', message, `you → ${targetId}`);
  ui.message.value = '';
});
ui.kickOne.addEventListener('click', () => {
  const targetId = clients.target;
  if (targetId && send({ type: 'kick-one', targetId })) note('sent', 'kick', `you → ${targetId}`);
});
ui.kickAll.addEventListener('click', () => {
  if (send({ type: 'kick-all' })) note('sent', 'kick all', 'you → everyone');
});

ui.url.value = defaultServerUrl(window.location);
status.show('idle', 'Not connected');
renderControls();
