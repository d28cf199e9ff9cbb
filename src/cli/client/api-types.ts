// The shapes of docs/api.md as the client reads them. Only the fields the commands use are
// declared; the API may add fields (it promises never to remove or retype one within /v1).

export interface AppInfo {
  readonly root: string;
  readonly pid: number;
  readonly version: string;
  readonly started_at: number;
  readonly stopping: boolean;
  readonly processes: readonly string[];
  readonly instances: readonly string[];
}

export interface ExitStatus {
  readonly code: number | null;
  readonly signal: string | null;
}

export interface InstanceInfo {
  readonly name: string;
  readonly process: string;
  readonly state: string;
  readonly pid: number | null;
  readonly ready: boolean;
  readonly restarts: number;
  readonly uptime_ms: number | null;
  readonly last_exit: ExitStatus | null;
  readonly killed: boolean;
  readonly reason: string | null;
  readonly stopped_by_operator: boolean;
  readonly cpu_percent: number | null;
  readonly rss_bytes: number | null;
  readonly members: readonly number[];
}

export type Outcome = 'done' | 'failed' | 'superseded' | 'sent' | 'skipped' | 'timeout';

export interface ActionResult {
  readonly name: string;
  readonly outcome: Outcome | string;
  readonly state?: string | null;
  readonly pid?: number | null;
  readonly message?: string | null;
}

/** The answer of POST /v1/actions and POST /v1/wait. */
export interface ResultsAnswer {
  readonly action?: string;
  readonly ok: boolean;
  readonly results: readonly ActionResult[];
}

export interface ApplyPlan {
  readonly added: readonly string[];
  readonly removed: readonly string[];
  readonly changed: readonly { readonly name: string; readonly why: readonly string[]; readonly instances?: { readonly from: number; readonly to: number } }[];
  /** Settings taken on without a restart (absent from supervisors older than this client). */
  readonly updated?: readonly { readonly name: string; readonly why: readonly string[] }[];
  readonly scaled: readonly { readonly name: string; readonly from: number; readonly to: number }[];
  readonly unchanged: readonly string[];
  /** [socket.NAME] tables added and removed (absent from supervisors older than this client). */
  readonly sockets?: { readonly added: readonly string[]; readonly removed: readonly string[] };
}

export interface ApplyAnswer {
  readonly applied: boolean;
  readonly ok: boolean;
  readonly plan: ApplyPlan;
  readonly results?: readonly ActionResult[];
  /** Dry run only: another apply is still being carried out (the plan is against its config). */
  readonly apply_in_progress?: boolean;
}

/** GET /v1/logs: `stream` is "output" or "muster". */
export interface LogLine {
  readonly instance: string;
  readonly stream: string;
  readonly time: number | null;
  readonly text: string;
}

/** The `line` event: `stream` is "out", "err" or "muster". */
export type LineEvent = LogLine;

export interface ShutdownAnswer {
  readonly ok: boolean;
  /** api.md does not say what an entry is: instance names, or objects with a `name`. */
  readonly stopped?: readonly (string | { readonly name?: string; readonly [key: string]: unknown })[];
  /** Another `down` (or a Ctrl-C) was already stopping it; this answer came at the same end. */
  readonly already_stopping?: boolean;
  /** Instances whose group had to be SIGKILLed (after stop_timeout, or when the stop was forced). */
  readonly killed?: readonly string[];
  /** The signal sent to the supervisor that forced the stop (every group SIGKILLed at once). */
  readonly forced_by?: string;
}

export interface ApiErrorBody {
  readonly code: string;
  readonly message: string;
  readonly [key: string]: unknown;
}
