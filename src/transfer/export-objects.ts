/**
 * Finding what ExportImage wrote: every object named `<prefix>_<imageId>_…` (listed with that
 * prefix), the system disk (`…_system.<format>[.tar.gz]`, or the object the task reported as its
 * `OSSObject`) and the data disks (`…_data…`), in the format the names show.
 */

import { byCodeUnits } from '../util/order.ts';
import {
  describeExportedObject,
  type ExportedFile,
  formatInName,
  type ImageFormat,
} from './export-format.ts';
import type { ListedObject, OssClient } from './oss-client.ts';

export interface FoundObject {
  key: string;
  size: number;
  lastModified: string;
  file: ExportedFile;
}

export interface FoundExport {
  system: FoundObject | undefined;
  data: FoundObject[];
  /** Every key under the stem, for an error that says what is there. */
  keys: string[];
}

function newestFirst(a: FoundObject, b: FoundObject): number {
  return Date.parse(b.lastModified) - Date.parse(a.lastModified);
}

/**
 * The export of an image under a stem. `format`: prefer (or, with `exact`, require) objects in that
 * format. `reported`: the `OSSObject` a task named, taken as the system disk when it is there.
 */
export async function findExportObjects(
  oss: OssClient,
  bucket: string,
  stem: string,
  opts: { format?: ImageFormat; exact?: boolean; reported?: string } = {},
): Promise<FoundExport> {
  const listed: ListedObject[] = [];
  for await (const o of oss.list(bucket, `${stem}_`)) listed.push(o);
  const found: FoundObject[] = [];
  for (const o of listed) {
    const file =
      describeExportedObject(o.key, stem) ??
      (o.key === opts.reported ? { disk: 'system' as const, ...formatInName(o.key) } : undefined);
    if (file) found.push({ key: o.key, size: o.size, lastModified: o.lastModified, file });
  }
  const matches = (f: FoundObject) =>
    !opts.exact || opts.format === undefined || f.file.format === opts.format;
  const preferred = (f: FoundObject) => (opts.format !== undefined && f.file.format === opts.format ? 1 : 0);
  const systems = found
    .filter((f) => f.file.disk === 'system' && matches(f))
    .sort((a, b) => {
      const reported = Number(b.key === opts.reported) - Number(a.key === opts.reported);
      return reported || preferred(b) - preferred(a) || newestFirst(a, b);
    });
  const system = systems[0];
  const byDevice = new Map<string, FoundObject>();
  for (const f of found.filter((x) => x.file.disk === 'data').sort(newestFirst)) {
    if (system && f.file.format !== system.file.format) continue;
    const device = f.file.device ?? f.key;
    if (!byDevice.has(device)) byDevice.set(device, f);
  }
  const data = [...byDevice.values()].sort((a, b) => byCodeUnits(a.key, b.key));
  return { system, data, keys: listed.map((o) => o.key) };
}
