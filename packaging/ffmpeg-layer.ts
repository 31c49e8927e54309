import { open } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { writeZip, type ZipSummary } from './zip.ts';

export interface LayerBinaries {
  ffmpeg: string;
  ffprobe: string;
}

/** The static builds npm installed (@ffmpeg-installer/ffmpeg, @ffprobe-installer/ffprobe). */
export function npmFfmpegBinaries(): LayerBinaries {
  const require = createRequire(import.meta.url);
  return {
    ffmpeg: (require('@ffmpeg-installer/ffmpeg') as { path: string }).path,
    ffprobe: (require('@ffprobe-installer/ffprobe') as { path: string }).path,
  };
}

/**
 * SCF runs linux x86-64; @ffmpeg-installer installs the build machine's platform, so packaging
 * on macOS or arm64 would ship binaries that cannot run there. Refuse anything but an ELF x86-64.
 */
export async function assertLinuxX64(file: string): Promise<void> {
  const fh = await open(file, 'r');
  try {
    const { buffer, bytesRead } = await fh.read(Buffer.alloc(20), 0, 20, 0);
    const elf = bytesRead === 20 && buffer.readUInt32BE(0) === 0x7f454c46;
    if (!elf || buffer.readUInt16LE(18) !== 62) {
      throw new Error(`${file} is not a linux x86-64 executable; SCF needs one (package on linux x64, or pass other binaries)`);
    }
  } finally {
    await fh.close();
  }
}

/** The layer: bin/ffmpeg and bin/ffprobe, mode 0755, which SCF unpacks to /opt/bin. */
export function buildFfmpegLayer(outFile: string, bins: LayerBinaries): Promise<ZipSummary> {
  return writeZip(outFile, [
    { name: 'bin/ffmpeg', file: bins.ffmpeg, mode: 0o755 },
    { name: 'bin/ffprobe', file: bins.ffprobe, mode: 0o755 },
  ]);
}
