import { AdminView } from './admin-view.js';
import { ClientPanel } from './client-panel.js';
import { ConfirmDialog } from './confirm-dialog.js';
import { byId } from './dom.js';
import { serverFrameRules } from './server-frame-rules.js';
import { defaultAdminUrl, defaultServerUrl } from './server-url.js';
import { Settings } from './settings.js';
import { Tabs } from './tabs.js';

/** Simulated clients one page holds: enough to try broadcasts, direct messages and kicks between them. */
const MAX_CLIENTS = 8;

const ui = {
  url: byId('server-url', HTMLInputElement),
  workspace: byId('workspace', HTMLElement),
  template: byId('client-template', HTMLTemplateElement),
  addClient: byId('add-client', HTMLButtonElement),
  sideBySide: byId('side-by-side', HTMLInputElement),
};
const settings = new Settings({
  url: ui.url,
  urlError: byId('server-url-error', HTMLElement),
  autoReconnect: byId('auto-reconnect', HTMLInputElement),
  resume: byId('resume', HTMLInputElement),
  frameLimit: byId('frame-limit', HTMLInputElement),
});
const confirm = new ConfirmDialog(byId('confirm', HTMLDialogElement));
const panels = new Map<string, ClientPanel>();
let created = 0;

/** "Client 2" for the id of another simulated client of this page. */
function labelOf(clientId: string): string | undefined {
  for (const [key, panel] of panels) if (panel.clientId === clientId) return `Client ${key}`;
  return undefined;
}

const admin = new AdminView({ confirm, defaultUrl: defaultAdminUrl(window.location), labelOf });
const tabs = new Tabs(byId('tablist', HTMLElement), byId('admin-tab', HTMLButtonElement), () => layout());

/** Shows the selected tab's panel, or every client side by side. */
function layout(): void {
  const selected = tabs.selected;
  const split = ui.sideBySide.checked && selected !== 'admin';
  ui.workspace.dataset.layout = split ? 'split' : 'tabs';
  for (const [key, panel] of panels) {
    const shown = split || key === selected;
    panel.root.hidden = !shown;
    panel.root.classList.toggle('panel--current', key === selected);
    panel.setVisible(shown);
  }
  admin.setVisible(selected === 'admin');
}

function addClient(connect: boolean): void {
  if (panels.size >= MAX_CLIENTS) return;
  const key = String(++created);
  const name = `Client ${key}`;
  let known: string | undefined;
  const panel = new ClientPanel(ui.template, {
    name,
    settings,
    rules: serverFrameRules,
    confirm,
    labelOf,
    changed: () => {
      // Also called while the panel is being built, before it is in the map.
      const panel = panels.get(key);
      if (!panel) return;
      tabs.update(key, { name, state: panel.phase, unread: panel.unread, title: panel.clientId ?? 'not connected' });
      // A new id means new labels in every client list.
      if (panel.clientId !== known) {
        known = panel.clientId;
        for (const other of panels.values()) other.refreshLabels();
      }
    },
    remove: () => removeClient(key),
  });
  panel.root.id = `panel-${key}`;
  panel.root.dataset.client = key;
  panel.root.setAttribute('aria-labelledby', tabs.add(key, panel.root.id).id);
  panels.set(key, panel);
  ui.workspace.append(panel.root);
  tabs.update(key, { name, state: panel.phase, unread: 0, title: 'not connected' });
  ui.addClient.disabled = panels.size >= MAX_CLIENTS;
  tabs.select(key);
  if (connect) panel.connect();
}

function removeClient(key: string): void {
  const panel = panels.get(key);
  if (!panel) return;
  panel.dispose();
  panels.delete(key);
  tabs.remove(key);
  ui.addClient.disabled = false;
  for (const other of panels.values()) other.refreshLabels();
  if (tabs.selected === key) tabs.select(panels.keys().next().value ?? 'admin', true);
  else layout();
}

ui.addClient.addEventListener('click', () => addClient(true));
ui.sideBySide.addEventListener('change', layout);
byId('settings', HTMLFormElement).addEventListener('submit', (event) => event.preventDefault());
// The Options popover closes like a menu: on a click elsewhere, or Escape.
const options = byId('options', HTMLDetailsElement);
document.addEventListener('click', (event) => {
  if (options.open && !options.contains(event.target as Node)) options.open = false;
});
// Escape closes the Options, else the newest toast of the client in view (a dialog handles its own Escape).
document.addEventListener('keydown', (event) => {
  if (event.key !== 'Escape' || event.defaultPrevented || document.querySelector('dialog[open]')) return;
  if (options.open) {
    options.open = false;
    options.querySelector('summary')?.focus();
    event.preventDefault();
    return;
  }
  const panel = panels.get(tabs.selected);
  if (panel?.dismissToast()) event.preventDefault();
});

ui.url.value = defaultServerUrl(window.location);
addClient(false);
