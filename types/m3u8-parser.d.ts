declare module 'm3u8-parser' {
  export interface ParsedSegment {
    uri: string;
    duration: number;
    timeline: number;
    discontinuity?: boolean;
    dateTimeString?: string;
    dateTimeObject?: Date;
    programDateTime?: number;
  }
  export interface ParsedManifest {
    targetDuration?: number;
    mediaSequence?: number;
    discontinuitySequence?: number;
    endList?: boolean;
    playlistType?: string;
    segments: ParsedSegment[];
  }
  export class Parser {
    push(chunk: string): void;
    end(): void;
    manifest: ParsedManifest;
  }
}
