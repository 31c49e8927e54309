/** COS → SCF event (REFERENCE.md §2). */
export interface CosEvent {
  Records: Array<{
    cos: {
      cosSchemaVersion: string;
      cosObject: { url: string; key: string; size: number; meta: Record<string, string>; vid?: string };
      cosBucket: { name: string; appid: string; region: string };
      cosNotificationId: string;
    };
    event: { eventName: string; eventTime: number; eventSource: string; eventVersion: string; reqid?: number | string; eventQueue?: string; requestParameters?: Record<string, string> };
  }>;
}

export function isCosEvent(e: unknown): e is CosEvent {
  const r = (e as CosEvent)?.Records;
  return Array.isArray(r) && r.length > 0 && typeof r[0]?.cos?.cosObject?.key === 'string';
}

export interface CosObjectEvent {
  /** Object key inside the bucket (the "/<appid>/<bucket>/" prefix removed). */
  key: string;
  bucket: string;
  eventName: string;
  size: number;
}

/** Keys arrive as "/<appid>/<bucketShortName>/<key>". */
export function parseCosEvent(e: CosEvent): CosObjectEvent[] {
  return e.Records.map((r) => {
    const { appid, name } = r.cos.cosBucket;
    const raw = r.cos.cosObject.key;
    const prefix = `/${appid}/${name}/`;
    const key = raw.startsWith(prefix) ? raw.slice(prefix.length) : raw.replace(/^\/+/, '');
    return { key: decodeURIComponent(key), bucket: name, eventName: r.event.eventName, size: r.cos.cosObject.size };
  });
}

/** What the local store watcher emits for a new object: the same shape COS sends. */
export function makeCosEvent(key: string, size: number, bucket = 'local', appid = '1250000000'): CosEvent {
  return {
    Records: [{
      cos: {
        cosSchemaVersion: '1.0',
        cosObject: { url: `http://${bucket}-${appid}.cos.local/${key}`, key: `/${appid}/${bucket}/${key}`, size, meta: { 'Content-Type': 'application/json' } },
        cosBucket: { name: bucket, appid, region: 'local' },
        cosNotificationId: 'local',
      },
      event: { eventName: 'cos:ObjectCreated:Put', eventTime: Math.floor(Date.now() / 1000), eventSource: 'qcs::cos', eventVersion: '1.0' },
    }],
  };
}
