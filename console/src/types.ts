/** What the API returns (docs/api.md), the fields the console reads. */
export interface ApiErrorBody {
  error: { code: string; message: string };
}

export interface StreamView {
  id: string;
  state: string;
  source: string;
  retentionSec: number;
  segmentSec: number;
  startedAt?: string;
  restarts: number;
  reconnects: number;
  handovers: number;
  segmentCount: number;
  warning?: string;
  available?: { start: string; end: string; segments: number } | null;
  lastSegmentAgeSec?: number | null;
  gapsInWindow?: number;
  playlistUrl?: string;
  room?: { roomId: string; recordingId: string; userId?: string; track: string };
  error?: { code: string; message: string };
}

export interface JobView {
  id: string;
  status: 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled';
  streamId: string;
  mode: string;
  transcode?: { profile: string };
  requested: { at: string; before: number; after: number; start: string; end: string };
  progress: { phase: string; done: number; total: number; etaSec?: number };
  preview?: { url: string };
  createdAt: string;
  finishedAt?: string;
  result?: { url: string; posterUrl: string; durationSec: number; sizeBytes: number; width?: number; height?: number; method: string };
  error?: { code: string; message: string };
}

export interface RoomSummary {
  roomId: string;
  users: number;
  recordings: number;
  recording: number;
}

export interface RoomUser {
  userId: string;
  url: string;
  joinedAt: string;
}

export interface RecordingView {
  id: string;
  roomId: string;
  state: string;
  mode: 'single' | 'mixed';
  media: string;
  separateAV: boolean;
  userIds?: string[];
  recorderUserId: string;
  createdAt: string;
  streams: Array<{ streamId: string; userId?: string; track: string; state?: string }>;
  manifest?: { files: Array<{ streamId: string; userId?: string; track: string; key: string; url?: string; durationSec: number; sizeBytes: number; format: string }> } | null;
}
