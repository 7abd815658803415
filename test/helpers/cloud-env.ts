import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT_ACCESS_KEY_ID, ROOT_ACCESS_KEY_SECRET } from '../emulator/accounts.ts';
import type { Emulator } from '../emulator/index.ts';
import { isolatedEnv } from './cli.ts';

/**
 * The environment a sindri process needs to work against an emulator: the SDKs call it directly
 * (SINDRI_ENDPOINT), packer reaches it as its HTTP(S) proxy, credentials are fake, HOME is empty.
 */
export function emulatorEnv(
  emulatorUrl: string,
  credentials: { accessKeyId: string; accessKeySecret: string } = {
    accessKeyId: ROOT_ACCESS_KEY_ID,
    accessKeySecret: ROOT_ACCESS_KEY_SECRET,
  },
  extra: NodeJS.ProcessEnv = {},
): NodeJS.ProcessEnv {
  const home = mkdtempSync(join(tmpdir(), 'sindri-home-'));
  return isolatedEnv({
    HOME: home,
    ALIBABA_CLOUD_ACCESS_KEY_ID: credentials.accessKeyId,
    ALIBABA_CLOUD_ACCESS_KEY_SECRET: credentials.accessKeySecret,
    SINDRI_ENDPOINT: emulatorUrl,
    HTTP_PROXY: emulatorUrl,
    HTTPS_PROXY: emulatorUrl,
    NO_PROXY: '127.0.0.1,localhost',
    ...extra,
  });
}

/**
 * A RAM user with full access whose access keys are the given canary values, and the environment of
 * a sindri process signing with them: for tests that prove the keys never show up anywhere.
 */
export function canaryEnv(
  emulator: Emulator,
  canary: { userName: string; accessKeyId: string; accessKeySecret: string },
  extra: NodeJS.ProcessEnv = {},
): NodeJS.ProcessEnv {
  const keys = { accessKeyId: canary.accessKeyId, accessKeySecret: canary.accessKeySecret };
  emulator.admin.createRamUser({
    userName: canary.userName,
    policies: ['AdministratorAccess'],
    accessKeys: [keys],
  });
  return emulatorEnv(emulator.url, keys, extra);
}
