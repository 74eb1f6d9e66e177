import { createAdminClient, toAdminBaseUrl, type AdminClient, type AdminResult, type ClientsReport, type Health } from './admin-client.js';
import { filterClients } from './admin-rows.js';
import type { ConfirmDialog } from './confirm-dialog.js';
import { byId, el } from './dom.js';
import { formatHktDateTime, formatHktTime } from './hkt-time.js';

/** The admin token lives in sessionStorage: it survives a reload of the tab, never the tab itself. */
const TOKEN_KEY = 'cmf-admin-token';
const REFRESH_MS = 5_000;

export interface AdminViewDeps {
  confirm: ConfirmDialog;
  defaultUrl: string;
  /** The name of a simulated client of this page, by client id. */
  labelOf(clientId: string): string | undefined;
}

/**
 * The admin view: health with the Kafka state, every client of the cluster with its gateway,
 * kick one, kick all (after a confirmation) and a server broadcast, all through the admin REST
 * API. While shown it refreshes every 5 s.
 */
export class AdminView {
  private readonly ui = {
    panel: byId('admin-panel', HTMLElement),
    connection: byId('admin-connection', HTMLFormElement),
    url: byId('admin-url', HTMLInputElement),
    token: byId('admin-token', HTMLInputElement),
    forget: byId('admin-forget', HTMLButtonElement),
    result: byId('admin-result', HTMLElement),
    health: byId('health', HTMLElement),
    healthTime: byId('health-time', HTMLElement),
    broadcast: byId('admin-broadcast', HTMLFormElement),
    message: byId('admin-message', HTMLInputElement),
    count: byId('admin-count', HTMLElement),
    filter: byId('admin-filter', HTMLInputElement),
    kickAll: byId('admin-kick-all', HTMLButtonElement),
    rows: byId('admin-clients', HTMLTableElement).tBodies[0]!,
    more: byId('admin-more', HTMLElement),
  };
  private report: ClientsReport | undefined;
  private timer: number | undefined;
  private refreshing = false;

  constructor(private readonly deps: AdminViewDeps) {
    const { ui } = this;
    ui.url.value = deps.defaultUrl;
    ui.token.value = sessionStorage.getItem(TOKEN_KEY) ?? '';
    ui.token.addEventListener('change', () => this.saveToken(ui.token.value));
    ui.forget.addEventListener('click', () => {
      ui.token.value = '';
      this.saveToken('');
      this.say('Token forgotten.');
    });
    ui.connection.addEventListener('submit', (event) => {
      event.preventDefault();
      this.saveToken(ui.token.value);
      void this.refresh();
    });
    ui.broadcast.addEventListener('submit', (event) => {
      event.preventDefault();
      void this.broadcast();
    });
    ui.filter.addEventListener('input', () => this.renderClients());
    ui.kickAll.addEventListener('click', () => void this.kickAll());
  }

  setVisible(visible: boolean): void {
    this.ui.panel.hidden = !visible;
    window.clearInterval(this.timer);
    this.timer = undefined;
    if (!visible) return;
    void this.refresh();
    this.timer = window.setInterval(() => void this.refresh(), REFRESH_MS);
  }

  private saveToken(token: string): void {
    if (token) sessionStorage.setItem(TOKEN_KEY, token);
    else sessionStorage.removeItem(TOKEN_KEY);
  }

  private client(): AdminClient | undefined {
    const baseUrl = toAdminBaseUrl(this.ui.url.value);
    if (!baseUrl) {
      this.say(`Not an http:// or https:// address: ${this.ui.url.value.trim() || '(empty)'}`, true);
      return undefined;
    }
    const token = this.ui.token.value.trim();
    return createAdminClient({ baseUrl, fetch: (...args) => window.fetch(...args), pageOrigin: window.location.origin, ...(token ? { token } : {}) });
  }

  private say(text: string, problem = false): void {
    this.ui.result.textContent = text;
    this.ui.result.classList.toggle('admin__result--problem', problem);
  }

  /** What went wrong with a call, for the person at the page; undefined when it worked. */
  private problemOf(result: AdminResult<unknown>, what: string): string | undefined {
    if (result.ok) return undefined;
    const hint = result.status === 401 ? ' Enter the admin token above.' : '';
    return `${what}: ${result.message}${/[.?!]$/.test(result.message) ? '' : '.'}${hint}`;
  }

  /** Reports a failed call and says whether it failed. */
  private failed(result: AdminResult<unknown>, what: string): result is Extract<AdminResult<unknown>, { ok: false }> {
    const problem = this.problemOf(result, what);
    if (problem) this.say(problem, true);
    return problem !== undefined;
  }

  async refresh(): Promise<void> {
    const api = this.client();
    if (!api || this.refreshing) return;
    this.refreshing = true;
    try {
      const [health, clients] = await Promise.all([api.health(), api.clients()]);
      if (health.ok) this.renderHealth(health.data);
      if (clients.ok) {
        this.report = clients.data;
        this.renderClients();
      }
      const problems = [this.problemOf(health, 'Health'), this.problemOf(clients, 'Client list')].filter(Boolean);
      // A success message stays; a problem that went away does not.
      if (problems.length > 0) this.say(problems.join(' '), true);
      else if (this.ui.result.classList.contains('admin__result--problem')) this.say('');
    } finally {
      this.refreshing = false;
    }
  }

  /** A command is carried out through Kafka: the list changes a moment after the API accepts it. */
  private refreshSoon(): void {
    window.setTimeout(() => void this.refresh(), 300);
  }

  private renderHealth(health: Health): void {
    const rows: [string, string, string?][] = [
      ['Status', health.status, health.status],
      ['Kafka', health.kafka, health.kafka],
      ['Clients', String(health.clients)],
      ['Component', health.component ?? '–'],
    ];
    if (health.gateway) rows.push(['Gateway', health.gateway]);
    this.ui.health.replaceChildren(
      ...rows.flatMap(([term, value, state]) => {
        const dd = el('dd', undefined, value);
        if (state) dd.dataset.state = state;
        return [el('dt', undefined, term), dd];
      }),
    );
    const at = Date.parse(health.timestamp);
    this.ui.healthTime.textContent = Number.isNaN(at) ? '' : `at ${formatHktTime(at)}`;
  }

  private renderClients(): void {
    const report = this.report;
    if (!report) return;
    this.ui.count.textContent = String(report.count);
    const { rows, more } = filterClients(report.clients, this.ui.filter.value);
    this.ui.rows.replaceChildren(
      ...rows.map((client) => {
        const row = el('tr');
        row.dataset.clientId = client.id;
        const id = el('td', 'clients-table__id', client.id);
        const label = this.deps.labelOf(client.id);
        if (label) id.append(el('span', 'client__tag', label));
        const at = Date.parse(client.connectedAt);
        const connected = el('td', undefined, Number.isNaN(at) ? client.connectedAt : formatHktDateTime(at));
        const kick = el('button', 'danger', 'Kick');
        kick.type = 'button';
        kick.setAttribute('aria-label', `Kick ${client.id}`);
        kick.addEventListener('click', () => void this.kick(client.id));
        const action = el('td');
        action.append(kick);
        row.append(id, el('td', undefined, client.gateway), connected, action);
        return row;
      }),
    );
    if (rows.length === 0) {
      const empty = el('td', 'clients-table__empty', report.count === 0 ? 'No client is connected.' : 'No client matches the filter.');
      empty.colSpan = 4;
      const row = el('tr');
      row.append(empty);
      this.ui.rows.append(row);
    }
    this.ui.more.hidden = more === 0;
    this.ui.more.textContent = `${more} more match; narrow the filter to see them.`;
    this.ui.kickAll.disabled = report.count === 0;
  }

  private async kick(id: string): Promise<void> {
    const api = this.client();
    if (!api) return;
    const result = await api.kick(id);
    if (this.failed(result, `Kick ${id}`)) return;
    this.say(`Kick of ${id} accepted.`);
    this.refreshSoon();
  }

  private async kickAll(): Promise<void> {
    const count = this.report?.count ?? 0;
    const yes = await this.deps.confirm.ask({
      title: 'Kick every client?',
      message: `All ${count} client${count === 1 ? '' : 's'} on every gateway will be disconnected (close code 4000), this page's included.`,
      action: 'Kick all',
    });
    const api = yes ? this.client() : undefined;
    if (!api) return;
    const result = await api.kickAll();
    if (this.failed(result, 'Kick all')) return;
    this.say(`Kick all accepted (${count} client${count === 1 ? '' : 's'}).`);
    this.refreshSoon();
  }

  private async broadcast(): Promise<void> {
    const message = this.ui.message.value;
    const api = message.trim() ? this.client() : undefined;
    if (!api) return;
    const result = await api.broadcast(message);
    if (this.failed(result, 'Broadcast')) return;
    this.ui.message.value = '';
    this.say('Broadcast accepted: every client receives it from "server".');
  }
}
