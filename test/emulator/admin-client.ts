/** A typed client of the emulator's HTTP admin API, for an emulator running in another process. */
import type {
  Fault,
  FaultSpec,
  InvocationRecord,
  LiveResources,
  LoggedRequest,
  NoStockSpec,
  QuotaSpec,
  RamUserSpec,
  SeedAccountSpec,
  SeededAccount,
} from './admin.ts';
import type { CommandRule, InstanceRecords } from './ssh.ts';
import type { Delays } from './state.ts';

export class AdminClient {
  readonly baseUrl: string;

  /** `url` is the emulator's URL, e.g. `http://127.0.0.1:8080`. */
  constructor(url: string) {
    this.baseUrl = `${url.replace(/\/$/, '')}/__admin`;
  }

  private async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const value = (await res.json()) as T & { error?: string };
    if (!res.ok) throw new Error(`emulator admin ${method} ${path}: ${value.error ?? res.status}`);
    return value;
  }

  health(): Promise<{ ok: boolean; url: string; sshPort: number }> {
    return this.call('GET', '/health');
  }
  seedAccount(spec: SeedAccountSpec = {}): Promise<SeededAccount> {
    return this.call('POST', '/accounts', spec);
  }
  createRamUser(spec: RamUserSpec): Promise<{
    accountId: string;
    userName: string;
    userId: string;
    accessKeyId: string;
    accessKeySecret: string;
  }> {
    return this.call('POST', '/users', spec);
  }
  async injectFault(spec: FaultSpec): Promise<string> {
    return (await this.call<{ id: string }>('POST', '/faults', spec)).id;
  }
  listFaults(): Promise<Fault[]> {
    return this.call('GET', '/faults');
  }
  async clearFaults(id?: string): Promise<void> {
    await this.call('DELETE', id ? `/faults/${id}` : '/faults');
  }
  requestLog(filter: { action?: string; product?: string } = {}): Promise<LoggedRequest[]> {
    const q = new URLSearchParams(filter as Record<string, string>).toString();
    return this.call('GET', `/requests${q ? `?${q}` : ''}`);
  }
  async clearRequestLog(): Promise<void> {
    await this.call('DELETE', '/requests');
  }
  liveResources(region?: string): Promise<LiveResources> {
    return this.call('GET', `/resources${region ? `?region=${encodeURIComponent(region)}` : ''}`);
  }
  async reset(): Promise<void> {
    await this.call('POST', '/reset');
  }
  async setTimeScale(timeScale: number): Promise<void> {
    await this.call('POST', '/time-scale', { timeScale });
  }
  async advanceTime(ms: number): Promise<void> {
    await this.call('POST', '/advance-time', { ms });
  }
  setDelays(delays: Partial<Delays>): Promise<Delays> {
    return this.call('POST', '/delays', delays);
  }
  async setQuotas(spec: QuotaSpec): Promise<void> {
    await this.call('POST', '/quotas', spec);
  }
  instanceRecords(instanceId: string): Promise<InstanceRecords> {
    return this.call('GET', `/instances/${encodeURIComponent(instanceId)}/records`);
  }
  async setCommandResult(rule: Omit<CommandRule, 'id'>): Promise<string> {
    return (await this.call<{ id: string }>('POST', '/command-results', rule)).id;
  }
  async clearCommandResults(): Promise<void> {
    await this.call('DELETE', '/command-results');
  }
  async addNatGateway(spec: {
    vpcId: string;
    regionId?: string;
    accountId?: string;
    networkType?: string;
  }): Promise<string> {
    return (await this.call<{ id: string }>('POST', '/nat-gateways', spec)).id;
  }
  async setNoStock(spec: NoStockSpec): Promise<string> {
    return (await this.call<{ id: string }>('POST', '/no-stock', spec)).id;
  }
  async clearNoStock(id?: string): Promise<void> {
    await this.call('DELETE', id ? `/no-stock/${id}` : '/no-stock');
  }
  async invocations(instanceId?: string): Promise<InvocationRecord[]> {
    return this.call(
      'GET',
      `/invocations${instanceId ? `?instanceId=${encodeURIComponent(instanceId)}` : ''}`,
    );
  }
}
