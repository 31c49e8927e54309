import { existsSync, statSync } from 'node:fs';
import type { Config } from '../config/config.ts';
import { AppError } from '../domain/app-error.ts';
import type { SourceSpec } from '../domain/schemas.ts';
import { checkOutboundUrl, type UrlPolicy } from '../domain/url-policy.ts';
import { ffmpegInputProtocols } from '../media/ffmpeg-binaries.ts';
import type { RecordableSource } from '../media/recorder-args.ts';

/** Where TRTC users' CDN relays play from (REFERENCE.md §7). */
export interface TrtcRelay {
  /** Playback domain, e.g. "play.example.com" (may carry a port). */
  domain: string;
  /** flv: http://<domain>/<app>/<streamId>.flv (Tencent's default); rtmp: rtmp://<domain>/<app>/<streamId>. */
  protocol: 'flv' | 'rtmp';
  app: string;
}

export interface SourcePolicy {
  /** testsrc and file sources (local runs and tests). */
  allowLocalSources: boolean;
  /** Schemes, private/loopback targets and host allow-list for network sources. */
  urlPolicy: UrlPolicy;
  trtcRelay?: TrtcRelay;
  maxMixUsers: number;
  /** Protocols this ffmpeg build has (from `ffmpeg -protocols`); a scheme it lacks is refused up front. */
  ffmpegProtocols?: ReadonlySet<string>;
}

export const SOURCE_SCHEMES = ['rtmp', 'rtmps', 'srt', 'http', 'https'];

/** The TRTC relay stream id: <sdkAppId>_<roomId>_<userId>_main (or _aux for screen share), URL-encoded. */
export function trtcStreamId(s: Extract<SourceSpec, { type: 'trtc' }>): string {
  return encodeURIComponent(`${s.sdkAppId}_${s.roomId}_${s.userId}_${s.stream}`);
}

export function trtcRelayUrl(s: Extract<SourceSpec, { type: 'trtc' }>, relay: TrtcRelay): string {
  const id = trtcStreamId(s);
  return relay.protocol === 'rtmp' ? `rtmp://${relay.domain}/${relay.app}/${id}` : `http://${relay.domain}/${relay.app}/${id}.flv`;
}

function checkNetworkUrl(url: string, p: SourcePolicy, what: string): void {
  checkOutboundUrl(url, p.urlPolicy, what);
  const scheme = url.slice(0, url.indexOf(':')).toLowerCase();
  if (p.ffmpegProtocols && !p.ffmpegProtocols.has(scheme)) {
    throw new AppError('SOURCE_NOT_ALLOWED', `${what}: this ffmpeg build has no ${scheme} protocol (set FFMPEG_PATH to one that has it; npm run doctor lists protocols)`);
  }
}

/**
 * Check a source against the deployment's policy before anything is written, and resolve it to
 * what the recorder pulls (a TRTC source becomes its relay URL). Throws 4xx AppErrors.
 */
export function resolveSource(source: SourceSpec, p: SourcePolicy): RecordableSource {
  switch (source.type) {
    case 'testsrc':
    case 'file':
      if (!p.allowLocalSources) {
        throw new AppError('SOURCE_NOT_ALLOWED', `source type ${source.type} is for local runs only (set HL_ALLOW_LOCAL_SOURCES=1 to allow it)`);
      }
      if (source.type === 'file' && (!existsSync(source.path) || !statSync(source.path).isFile())) {
        throw new AppError('VALIDATION_FAILED', `source.path ${source.path} is not a readable file`);
      }
      return source;
    case 'url':
      checkNetworkUrl(source.url, p, 'source.url');
      return source;
    case 'trtc': {
      if (!p.trtcRelay) throw new AppError('SOURCE_NOT_ALLOWED', 'trtc sources need a relay domain (set HL_TRTC_RELAY_DOMAIN)');
      const url = trtcRelayUrl(source, p.trtcRelay);
      checkNetworkUrl(url, p, 'trtc relay url');
      return { type: 'url', url, media: source.media, normalize: source.normalize };
    }
    case 'mix':
      if (source.inputs.length > p.maxMixUsers) {
        throw new AppError('TOO_MANY_USERS', `a mix takes at most ${p.maxMixUsers} users (HL_MAX_MIX_USERS); got ${source.inputs.length}`);
      }
      source.inputs.forEach((i, n) => checkNetworkUrl(i.url, p, `source.inputs.${n}.url`));
      return source;
  }
}

/** The deployment's source policy from its config, with the protocols the resolved ffmpeg has. */
export async function sourcePolicyFrom(config: Config): Promise<SourcePolicy> {
  return {
    allowLocalSources: config.allowLocalSources,
    urlPolicy: { allowPrivate: config.allowPrivateUrls, allowedHosts: config.allowedHosts, schemes: SOURCE_SCHEMES },
    trtcRelay: config.trtcRelay,
    maxMixUsers: config.maxMixUsers,
    ffmpegProtocols: await ffmpegInputProtocols(),
  };
}
