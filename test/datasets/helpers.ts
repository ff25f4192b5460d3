/**
 * Test fixtures for the data set downloads: a tiny zip writer and tar builder (so that archives can hold
 * exactly the entries a test needs, unsafe ones included) and an HTTP server on 127.0.0.1 with `Range`
 * support that can drop a connection mid-body.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { deflateRawSync, gzipSync } from 'node:zlib';
import { crc32 as crcStep } from '../../src/datasets/png.js';

const crc32 = (b: Uint8Array): number => (crcStep(b) ^ 0xffffffff) >>> 0;

export interface ZipItem {
  name: string;
  data?: Buffer;
  /** a symbolic link to this target (stored with Unix mode 0120777) */
  link?: string;
}

/** A zip archive (deflated entries, Unix attributes) of `items`, names written as given. */
export function makeZip(items: ZipItem[]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const item of items) {
    const name = Buffer.from(item.name, 'utf8');
    const raw = item.link !== undefined ? Buffer.from(item.link) : (item.data ?? Buffer.alloc(0));
    const isDir = item.name.endsWith('/');
    const method = isDir || item.link !== undefined ? 0 : 8;
    const body = method === 8 ? deflateRawSync(raw) : raw;
    const crc = crc32(raw);
    const mode = item.link !== undefined ? 0o120777 : isDir ? 0o40755 : 0o100644;
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(0x800, 6); // UTF-8 names
    local.writeUInt16LE(method, 8);
    local.writeUInt32LE(0, 10); // time, date
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(body.length, 18);
    local.writeUInt32LE(raw.length, 22);
    local.writeUInt16LE(name.length, 26);
    local.writeUInt16LE(0, 28);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE((3 << 8) | 20, 4); // made by Unix
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(0x800, 8);
    central.writeUInt16LE(method, 10);
    central.writeUInt32LE(0, 12);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(body.length, 20);
    central.writeUInt32LE(raw.length, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(0, 30); // extra, comment lengths
    central.writeUInt32LE(0, 34); // disk, internal attributes
    central.writeUInt32LE((mode << 16) >>> 0, 38);
    central.writeUInt32LE(offset, 42);
    locals.push(local, name, body);
    centrals.push(central, name);
    offset += local.length + name.length + body.length;
  }
  const cd = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(items.length, 8);
  end.writeUInt16LE(items.length, 10);
  end.writeUInt32LE(cd.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, cd, end]);
}

export interface TarItem {
  name: string;
  data?: Buffer;
  type?: 'file' | 'dir' | 'symlink' | 'hardlink';
  link?: string;
}

/** A gzipped ustar archive written byte by byte (no sanitising of names: tests need unsafe ones). */
export function makeTarGz(items: TarItem[]): Buffer {
  const blocks: Buffer[] = [];
  for (const item of items) {
    const data = item.data ?? Buffer.alloc(0);
    const h = Buffer.alloc(512);
    h.write(item.name, 0, 100, 'utf8');
    const type = item.type ?? 'file';
    h.write(type === 'dir' ? '0000755\0' : '0000644\0', 100);
    h.write('0000000\0', 108);
    h.write('0000000\0', 116);
    h.write((type === 'file' ? data.length : 0).toString(8).padStart(11, '0') + '\0', 124);
    h.write('00000000000\0', 136);
    h.write('        ', 148); // checksum placeholder
    h.write(type === 'dir' ? '5' : type === 'symlink' ? '2' : type === 'hardlink' ? '1' : '0', 156);
    if (item.link) h.write(item.link, 157, 100, 'utf8');
    h.write('ustar\0', 257);
    h.write('00', 263);
    let sum = 0;
    for (const b of h) sum += b;
    h.write(sum.toString(8).padStart(6, '0') + '\0 ', 148);
    blocks.push(h);
    if (type === 'file' && data.length) {
      blocks.push(data, Buffer.alloc((512 - (data.length % 512)) % 512));
    }
  }
  blocks.push(Buffer.alloc(1024));
  return gzipSync(Buffer.concat(blocks));
}

export interface ServedFile {
  body: Buffer;
  /** close the connection after this many body bytes, this many times (then serve normally) */
  dropAfter?: number;
  drops?: number;
  /** answer 200 with the whole body even to a Range request */
  ignoreRange?: boolean;
}

export interface TestServer {
  url: string;
  files: Map<string, ServedFile>;
  /** every request: path and Range header */
  requests: { path: string; range: string | undefined }[];
  close(): Promise<void>;
}

export async function startServer(): Promise<TestServer> {
  const files = new Map<string, ServedFile>();
  const requests: TestServer['requests'] = [];
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const p = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    requests.push({ path: p, range: req.headers.range });
    const f = files.get(p);
    if (!f) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    let start = 0;
    const m = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
    if (m && !f.ignoreRange) {
      start = Number(m[1]);
      if (start >= f.body.length) {
        res.writeHead(416, { 'content-range': `bytes */${f.body.length}` }).end();
        return;
      }
      res.writeHead(206, {
        'content-length': String(f.body.length - start),
        'content-range': `bytes ${start}-${f.body.length - 1}/${f.body.length}`,
        'accept-ranges': 'bytes',
      });
    } else {
      res.writeHead(200, { 'content-length': String(f.body.length), 'accept-ranges': 'bytes' });
    }
    const body = f.body.subarray(start);
    if (f.drops && f.drops > 0 && f.dropAfter !== undefined && f.dropAfter < body.length) {
      f.drops--;
      res.write(body.subarray(0, f.dropAfter), () => {
        setTimeout(() => res.socket?.destroy(), 20);
      });
      return;
    }
    res.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    files,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
