/**
 * The emulator's OSS: the REST server, admin helpers for tests, and the ExportImage hook that
 * writes the exported object (of the image's size) into the bucket when the export task finishes.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ROOT_ACCOUNT_ID } from '../accounts.ts';
import type { Handler } from '../context.ts';
import { exportedObjects } from '../ecs/tasks.ts';
import { ecsHandlers } from '../ecs.ts';
import { ApiError } from '../errors.ts';
import type { Task, World } from '../state.ts';
import { OssServer, ossTarget } from './http.ts';
import { type GetLogEntry, generatedBytes, type OssFaultSpec, OssStore, ossStoreOf } from './store.ts';

export type { OssFaultSpec } from './store.ts';

/** The RAM role ExportImage uses when RoleName is not given. */
export const EXPORT_ROLE = 'AliyunECSImageExportDefaultRole';

export interface OssObjectInfo {
  key: string;
  size: number;
  etag: string;
  crc64: string;
  type: string;
}

/** Test-facing OSS admin (`emulator.oss`). */
export class OssEmulator {
  readonly store: OssStore;
  private readonly server: OssServer;

  constructor(world: World) {
    this.store = new OssStore(world);
    this.server = new OssServer(this.store);
    installExportHook();
  }

  /** Whether the request is an OSS request (handled by `handle`). */
  claim(req: IncomingMessage, res: ServerResponse): boolean {
    const target = ossTarget(req);
    if (!target) return false;
    void this.server.handle(req, res, target);
    return true;
  }

  createBucket(name: string, opts: { region?: string; accountId?: string } = {}): void {
    this.store.createBucket(name, opts.region ?? 'cn-hangzhou', opts.accountId ?? ROOT_ACCOUNT_ID);
  }

  putObject(bucket: string, key: string, data: Buffer | string): OssObjectInfo {
    const b = this.bucket(bucket);
    const obj = this.store.putBytes(b, key, Buffer.from(data));
    return { key, size: obj.size, etag: obj.etag, crc64: '', type: obj.type };
  }

  /** An object of `size` bytes generated from `seed` (never held in memory). */
  putGenerated(bucket: string, key: string, size: number, seed = key): void {
    this.store.putGenerated(this.bucket(bucket), key, size, seed);
  }

  /** The bytes `start..end` of a generated object's content, for comparisons in tests. */
  generatedContent(seed: string, start: number, end: number): Buffer {
    return generatedBytes(seed, start, end);
  }

  async head(bucket: string, key: string): Promise<OssObjectInfo | undefined> {
    const b = this.bucket(bucket);
    const obj = this.store.visible(b, key);
    if (!obj) return undefined;
    return { key, size: obj.size, etag: obj.etag, crc64: await this.store.crc64Of(obj), type: obj.type };
  }

  keys(bucket: string): string[] {
    return [...this.bucket(bucket).objects.keys()].sort();
  }

  /** Makes ExportImage write objects (each disk's) of this many bytes instead of the disks' sizes in GiB. */
  setExportSize(bytes: number | undefined): void {
    this.store.exportSizeBytes = bytes;
  }

  injectFault(spec: OssFaultSpec): string {
    return this.store.injectFault(spec);
  }

  /** "Drop the connection after N bytes" of the next GetObject (of `key`, if given). */
  dropAfter(bytes: number, opts: { key?: string; times?: number } = {}): string {
    return this.store.injectFault({ op: 'GetObject', dropAfterBytes: bytes, ...opts });
  }

  clearFaults(): void {
    this.store.clearFaults();
  }

  /** GetObject requests served so far, with their Range headers and the keys that signed them. */
  getLog(): GetLogEntry[] {
    return [...this.store.getLog];
  }

  /** Ends an STS key's life now: OSS answers `SecurityTokenExpired` to requests signed with it. */
  expireAccessKey(accessKeyId: string): void {
    const key = this.store.world.accessKeys.get(accessKeyId);
    if (!key) throw new Error(`no access key ${accessKeyId} in the emulator`);
    key.expiresAt = Date.now() - 1;
  }

  reset(): void {
    this.store.reset();
  }

  private bucket(name: string) {
    const b = this.store.buckets.get(name);
    if (!b) throw new Error(`no bucket ${name} in the OSS emulator`);
    return b;
  }
}

let hooked = false;

/**
 * Wraps the ECS ExportImage handler: the bucket must exist in the caller's account and the request's
 * region, the export role must exist, and the task's objects (sized like the image's disks, or
 * `setExportSize`) appear when the task finishes.
 */
function installExportHook(): void {
  if (hooked) return;
  hooked = true;
  const original = ecsHandlers.ExportImage as Handler;
  ecsHandlers.ExportImage = (ctx) => {
    const store = ossStoreOf(ctx.world);
    const bucketName = ctx.p.str('OSSBucket');
    const region = ctx.p.str('RegionId') ?? '';
    const bucket = bucketName ? store?.buckets.get(bucketName) : undefined;
    // ExportImage API reference: 400 InvalidOSSBucket.NotFound "…does not exist in this region."
    if (store && bucketName && (!bucket || bucket.accountId !== ctx.accountId || bucket.region !== region))
      throw new ApiError(
        'InvalidOSSBucket.NotFound',
        'The specified OSS bucket does not exist in this region.',
        400,
      );
    const roleName = ctx.p.str('RoleName') ?? EXPORT_ROLE;
    const account = ctx.world.accounts.get(ctx.accountId);
    if (!account?.roles.has(roleName))
      throw new ApiError(
        'NoSetRoletoECSServiceAcount',
        'ECS service account Have no right to access your OSS.please attach a role of access your oss to ECS service account.',
        403,
      );
    const result = original(ctx) as { TaskId: string; RegionId: string };
    const task = ctx.world.get('task', region, result.TaskId) as Task | undefined;
    if (store && bucket && task)
      for (const o of exportedObjects(ctx.world, task)) {
        const size = store.exportSizeBytes ?? o.sizeGiB * 1024 ** 3;
        store.putGenerated(bucket, o.key, size, `${task.id}:${o.key}`, task.finishedAt);
      }
    return result;
  };
}
