/**
 * packer's `-machine-readable` output: one event per line, `timestamp,target,type,data...`.
 * Commas inside a data field are written `%!(PACKER_COMMA)`, newlines `\n` and carriage returns `\r`.
 */

export interface MachineReadableEvent {
  /** Unix seconds. */
  timestamp: number;
  /** The build name ("alicloud-ecs.sindri") or "" for global events. */
  target: string;
  type: string;
  data: string[];
}

/** Undoes packer's escaping of one data field. */
export function unescapeField(field: string): string {
  return field.replace(/%!\(PACKER_COMMA\)|\\n|\\r/g, (m) => {
    if (m === '\\n') return '\n';
    if (m === '\\r') return '\r';
    return ',';
  });
}

/** One line → event; undefined for lines that are not machine-readable (e.g. plugin noise). */
export function parseMachineReadableLine(line: string): MachineReadableEvent | undefined {
  const trimmed = line.replace(/\r?\n$/, '');
  const parts = trimmed.split(',');
  if (parts.length < 3) return undefined;
  const [ts, target, type, ...data] = parts as [string, string, string, ...string[]];
  if (!/^\d+$/.test(ts) || type === '') return undefined;
  return { timestamp: Number(ts), target, type, data: data.map(unescapeField) };
}

/** All events in a chunk of output. */
export function parseMachineReadable(output: string): MachineReadableEvent[] {
  const events: MachineReadableEvent[] = [];
  for (const line of output.split('\n')) {
    const e = parseMachineReadableLine(line);
    if (e) events.push(e);
  }
  return events;
}

/**
 * The artifact ID of an alicloud-ecs build: "cn-hangzhou:m-1,cn-shanghai:m-2" → { region: imageId }.
 * Events are lines whose type is `artifact` and whose data is `<index>,id,<value>`.
 */
export function imagesFromArtifactId(id: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of id.split(',')) {
    const item = part.trim();
    const colon = item.indexOf(':');
    if (colon <= 0) continue;
    out[item.slice(0, colon)] = item.slice(colon + 1);
  }
  return out;
}

/** The images of the (last) artifact in a list of events; {} when packer produced none. */
export function artifactImages(events: Iterable<MachineReadableEvent>): Record<string, string> {
  let images: Record<string, string> = {};
  for (const e of events) {
    if (e.type === 'artifact' && e.data[1] === 'id' && e.data[2] !== undefined) {
      images = { ...images, ...imagesFromArtifactId(e.data[2]) };
    }
  }
  return images;
}

/** A `ui` event's kind and text ("say", "message", "error"), for progress output. */
export function uiMessage(e: MachineReadableEvent): { kind: string; text: string } | undefined {
  if (e.type !== 'ui' || e.data.length < 2) return undefined;
  return { kind: e.data[0] as string, text: e.data.slice(1).join(',') };
}

/**
 * Splits a stream of chunks into complete lines, for parsing packer's output as it arrives.
 * Call `push` per chunk and `end` once; each returns the events completed so far.
 */
export class MachineReadableStream {
  private buffer = '';

  push(chunk: string): MachineReadableEvent[] {
    this.buffer += chunk;
    const nl = this.buffer.lastIndexOf('\n');
    if (nl < 0) return [];
    const complete = this.buffer.slice(0, nl);
    this.buffer = this.buffer.slice(nl + 1);
    return parseMachineReadable(complete);
  }

  end(): MachineReadableEvent[] {
    const rest = this.buffer;
    this.buffer = '';
    return parseMachineReadable(rest);
  }
}
