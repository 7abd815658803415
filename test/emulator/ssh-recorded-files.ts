/** The in-memory filesystem of a fake (recording) instance, and the scp and SFTP servers on it. */
import { posix } from 'node:path';
import ssh2 from 'ssh2';

const { utils } = ssh2;

export interface FakeFs {
  files: Map<string, { data: Buffer; mode: number }>;
  dirs: Set<string>;
}

export type SaveUpload = (path: string, mode: number, data: Buffer, via: 'scp' | 'sftp') => void;

/** The receiving side of the scp protocol (`scp -t`) on a fake instance's in-memory filesystem. */
export function scpSink(
  fs: FakeFs,
  save: SaveUpload,
  stream: ssh2.ServerChannel,
  target: string,
  isDir: boolean,
): void {
  let buf = Buffer.alloc(0);
  const dirs = [target];
  let pending: { path: string; mode: number; size: number } | undefined;
  let failed = false;
  const ok = () => stream.write(Buffer.from([0]));
  const process = () => {
    for (;;) {
      if (pending) {
        if (buf.length < pending.size + 1) return;
        const data = Buffer.from(buf.subarray(0, pending.size));
        buf = buf.subarray(pending.size + 1);
        save(pending.path, pending.mode, data, 'scp');
        pending = undefined;
        ok();
        continue;
      }
      const nl = buf.indexOf(0x0a);
      if (nl < 0) return;
      const line = buf.subarray(0, nl).toString('utf8');
      buf = buf.subarray(nl + 1);
      const head = line[0];
      const m = /^[CD](\d{4}) (\d+) (.+)$/.exec(line);
      const current = dirs.at(-1) ?? target;
      if (head === 'C' && m) {
        const path = isDir || dirs.length > 1 ? posix.join(current, m[3] ?? '') : target;
        pending = { path, mode: Number.parseInt(m[1] ?? '644', 8), size: Number(m[2]) };
        ok();
      } else if (head === 'D' && m) {
        const path = isDir || dirs.length > 1 ? posix.join(current, m[3] ?? '') : target;
        fs.dirs.add(path);
        dirs.push(path);
        ok();
      } else if (head === 'E') {
        dirs.pop();
        ok();
      } else if (head === 'T') {
        ok();
      } else {
        failed = true;
        stream.write(Buffer.from(`\x02scp: protocol error: ${line}\n`));
      }
    }
  };
  stream.on('data', (chunk: Buffer) => {
    buf = Buffer.concat([buf, chunk]);
    process();
  });
  stream.on('end', () => {
    stream.exit(failed ? 1 : 0);
    stream.end();
  });
  ok();
}

/** An SFTP server on a fake instance's in-memory filesystem. */
export function sftpServer(fs: FakeFs, save: SaveUpload, sftp: ssh2.SFTPWrapper): void {
  const { STATUS_CODE, OPEN_MODE } = utils.sftp;
  const handles = new Map<
    number,
    {
      path: string;
      write: boolean;
      chunks: Map<number, Buffer>;
      mode: number;
      dir?: boolean;
      listed?: boolean;
    }
  >();
  let next = 1;
  const handle = (reqid: number, h: { path: string; write: boolean; mode: number; dir?: boolean }) => {
    const n = next++;
    handles.set(n, { ...h, chunks: new Map() });
    const b = Buffer.alloc(4);
    b.writeUInt32BE(n);
    sftp.handle(reqid, b);
  };
  const get = (b: Buffer) => handles.get(b.readUInt32BE(0));
  const attrs = (path: string): ssh2.Attributes | undefined => {
    const now = Math.floor(Date.now() / 1000);
    if (fs.dirs.has(path)) return { mode: 0o40755, uid: 0, gid: 0, size: 4096, atime: now, mtime: now };
    const f = fs.files.get(path);
    if (f) return { mode: 0o100000 | f.mode, uid: 0, gid: 0, size: f.data.length, atime: now, mtime: now };
    return undefined;
  };
  const norm = (p: string) => posix.resolve('/root', p);
  sftp.on('OPEN', (reqid, filename, flags, a) => {
    const path = norm(filename);
    const write = (flags & OPEN_MODE.WRITE) !== 0;
    if (!write && !fs.files.has(path)) return sftp.status(reqid, STATUS_CODE.NO_SUCH_FILE);
    handle(reqid, { path, write, mode: a.mode !== undefined ? a.mode & 0o7777 : 0o644 });
  });
  sftp.on('WRITE', (reqid, h, offset, data) => {
    const e = get(h);
    if (!e) return sftp.status(reqid, STATUS_CODE.FAILURE);
    e.chunks.set(offset, Buffer.from(data));
    sftp.status(reqid, STATUS_CODE.OK);
  });
  sftp.on('READ', (reqid, h, offset, length) => {
    const e = get(h);
    const f = e ? fs.files.get(e.path) : undefined;
    if (!f || offset >= f.data.length) return sftp.status(reqid, STATUS_CODE.EOF);
    sftp.data(reqid, f.data.subarray(offset, offset + length));
  });
  sftp.on('CLOSE', (reqid, h) => {
    const e = get(h);
    if (e?.write) {
      const parts = [...e.chunks.entries()].sort((a, b) => a[0] - b[0]);
      const size = parts.reduce((n, [o, d]) => Math.max(n, o + d.length), 0);
      const data = Buffer.alloc(size);
      for (const [o, d] of parts) d.copy(data, o);
      save(e.path, e.mode, data, 'sftp');
    }
    handles.delete(h.readUInt32BE(0));
    sftp.status(reqid, STATUS_CODE.OK);
  });
  const stat = (reqid: number, path: string) => {
    const a = attrs(norm(path));
    if (!a) return sftp.status(reqid, STATUS_CODE.NO_SUCH_FILE);
    sftp.attrs(reqid, a);
  };
  sftp.on('STAT', (reqid, path) => stat(reqid, path));
  sftp.on('LSTAT', (reqid, path) => stat(reqid, path));
  sftp.on('FSTAT', (reqid, h) => {
    const e = get(h);
    const a = e
      ? (attrs(e.path) ?? { mode: 0o100644, size: 0, uid: 0, gid: 0, atime: 0, mtime: 0 })
      : undefined;
    if (!a) return sftp.status(reqid, STATUS_CODE.FAILURE);
    sftp.attrs(reqid, a);
  });
  sftp.on('SETSTAT', (reqid) => sftp.status(reqid, STATUS_CODE.OK));
  sftp.on('FSETSTAT', (reqid) => sftp.status(reqid, STATUS_CODE.OK));
  sftp.on('MKDIR', (reqid, path) => {
    fs.dirs.add(norm(path));
    sftp.status(reqid, STATUS_CODE.OK);
  });
  sftp.on('RMDIR', (reqid, path) => {
    fs.dirs.delete(norm(path));
    sftp.status(reqid, STATUS_CODE.OK);
  });
  sftp.on('REMOVE', (reqid, path) => {
    fs.files.delete(norm(path));
    sftp.status(reqid, STATUS_CODE.OK);
  });
  sftp.on('RENAME', (reqid, from, to) => {
    const f = fs.files.get(norm(from));
    if (!f) return sftp.status(reqid, STATUS_CODE.NO_SUCH_FILE);
    fs.files.delete(norm(from));
    fs.files.set(norm(to), f);
    sftp.status(reqid, STATUS_CODE.OK);
  });
  sftp.on('REALPATH', (reqid, path) => {
    const p = norm(path);
    sftp.name(reqid, [
      {
        filename: p,
        longname: p,
        attrs: attrs(p) ?? { mode: 0o40755, uid: 0, gid: 0, size: 0, atime: 0, mtime: 0 },
      },
    ]);
  });
  sftp.on('OPENDIR', (reqid, path) => {
    const p = norm(path);
    if (!fs.dirs.has(p)) return sftp.status(reqid, STATUS_CODE.NO_SUCH_FILE);
    handle(reqid, { path: p, write: false, mode: 0o755, dir: true });
  });
  sftp.on('READDIR', (reqid, h) => {
    const e = get(h);
    if (!e || e.listed) return sftp.status(reqid, STATUS_CODE.EOF);
    e.listed = true;
    const entries = [...fs.files.keys(), ...fs.dirs]
      .filter((p) => p !== e.path && posix.dirname(p) === e.path)
      .map((p) => ({
        filename: posix.basename(p),
        longname: posix.basename(p),
        attrs: attrs(p) ?? { mode: 0, uid: 0, gid: 0, size: 0, atime: 0, mtime: 0 },
      }));
    if (entries.length === 0) return sftp.status(reqid, STATUS_CODE.EOF);
    sftp.name(reqid, entries);
  });
}
