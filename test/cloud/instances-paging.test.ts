/**
 * DescribeInstances is paged with NextToken/MaxResults: its PageNumber/PageSize "are about to be
 * deprecated" (SDK DescribeInstancesRequest.pageNumber). Every instance is found however many pages it
 * takes, and no call in src asks for a page number.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { CloudClients } from '../../src/cloud/clients.ts';
import { describeAllInstances } from '../../src/images/instances.ts';
import { packageRoot } from '../../src/util/paths.ts';
import { rootClients, seedNetwork } from '../doctor/helpers.ts';
import { type Emulator, startEmulator } from '../emulator/index.ts';

const REGION = 'cn-hangzhou';
let emu: Emulator;
let clients: CloudClients;

before(async () => {
  emu = await startEmulator();
  const net = await seedNetwork(emu);
  clients = await rootClients(emu);
  await clients.call('ecs', 'RunInstances', {
    regionId: REGION,
    imageId: 'ubuntu_22_04_x64_20G_alibase_20240130.vhd',
    instanceType: 'ecs.g6.large',
    securityGroupId: net.openSg,
    vSwitchId: net.vswitchId,
    amount: 25,
  });
});
after(() => emu.stop());

describe('DescribeInstances paging', () => {
  it('follows NextToken until the last page, never sending PageNumber', async () => {
    emu.admin.clearRequestLog();
    const all = await describeAllInstances(clients, REGION, {}, { maxResults: 10 });
    assert.equal(new Set(all.map((i) => i.instanceId)).size, 25);
    const sent = emu.admin.requestLog({ action: 'DescribeInstances' });
    assert.equal(sent.length, 3);
    for (const e of sent) {
      assert.equal(e.params.MaxResults, '10');
      assert.equal(e.params.PageNumber, undefined);
      assert.equal(e.params.PageSize, undefined);
    }
    assert.equal(sent[0]?.params.NextToken, undefined);
    assert.ok(sent[1]?.params.NextToken && sent[2]?.params.NextToken);
  });

  it('MaxResults below 10 is served as 10 (as the API documents)', async () => {
    emu.admin.clearRequestLog();
    const all = await describeAllInstances(clients, REGION, {}, { maxResults: 3 });
    assert.equal(all.length, 25);
    assert.equal(emu.admin.requestLog({ action: 'DescribeInstances' }).length, 3);
  });

  it('no DescribeInstances call in src asks for a page number', () => {
    const files: string[] = [];
    const walk = (dir: string) => {
      for (const name of readdirSync(dir)) {
        const path = join(dir, name);
        if (statSync(path).isDirectory()) walk(path);
        else if (name.endsWith('.ts')) files.push(path);
      }
    };
    walk(join(packageRoot, 'src'));
    for (const file of files) {
      const text = readFileSync(file, 'utf8');
      for (const m of text.matchAll(/'DescribeInstances',\s*(?:\(\)\s*=>\s*\()?\{([^}]*)\}/g)) {
        assert.doesNotMatch(m[1] ?? '', /pageNumber|pageSize/, `${file}: ${m[0]}`);
      }
    }
  });
});
