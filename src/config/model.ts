// The resolved, validated configuration of one app. Built once by config/load.ts, never mutated;
// runtime state lives in core/, not here.

export type DependencyCondition = 'started' | 'ready' | 'succeeded';
export type RestartPolicy = 'always' | 'on-failure' | 'never';
export type StopScope = 'main' | 'group';

/** How muster learns that an instance is ready. `timeoutMs` bounds the wait from spawn. */
export type ReadyProbe =
  | { readonly kind: 'connect'; readonly target: string; readonly timeoutMs: number }
  | { readonly kind: 'http'; readonly url: string; readonly timeoutMs: number }
  | { readonly kind: 'exec'; readonly command: string; readonly timeoutMs: number }
  | { readonly kind: 'log'; readonly pattern: string; readonly timeoutMs: number };

export interface ProcessConfig {
  readonly name: string;
  readonly command: string;
  /** Absolute. */
  readonly cwd: string;
  /** Fully resolved environment the app defines (.env, env_file, env); muster's own environment is inherited beneath it. */
  readonly env: Readonly<Record<string, string>>;
  readonly instances: number;
  /** PORT of instance 1 (foreman's rule: 5000, +100 per process in file order), or null when the app sets PORT itself. */
  readonly basePort: number | null;
  readonly dependsOn: Readonly<Record<string, DependencyCondition>>;
  readonly ready: ReadyProbe | null;
  readonly restart: RestartPolicy;
  /** Signal names are canonical: 'SIGTERM'. */
  readonly stopSignal: string;
  readonly stopTimeoutMs: number;
  readonly stopScope: StopScope;
  readonly reloadSignal: string | null;
  /** Crash-loop rule: more than maxRestarts exits within restartWindowMs makes the instance fatal. */
  readonly maxRestarts: number;
  readonly restartWindowMs: number;
  /** Names of the app's sockets this process receives, in order: fd 3 onwards (LISTEN_FDS). */
  readonly sockets: readonly string[];
}

/** A listening socket muster creates and holds, and passes to the processes that name it. */
export type SocketConfig =
  | {
      readonly name: string;
      readonly kind: 'unix';
      /** Absolute. */
      readonly path: string;
      /** Permission bits of the socket file, e.g. 0o660; set through the umask before bind. */
      readonly mode: number;
      readonly backlog: number;
    }
  | {
      readonly name: string;
      readonly kind: 'tcp';
      readonly host: string;
      readonly port: number;
      readonly backlog: number;
    };

export interface AppConfig {
  /** Absolute path of the app folder. */
  readonly root: string;
  /** In file order: Procfile entries first, then processes only muster.toml names. */
  readonly processes: readonly ProcessConfig[];
  /** In file order. */
  readonly sockets: readonly SocketConfig[];
}

export const DEFAULTS = {
  instances: 1,
  restart: 'always' as RestartPolicy,
  stopSignal: 'SIGTERM',
  stopTimeoutMs: 10_000,
  stopScope: 'main' as StopScope,
  readyTimeoutMs: 60_000,
  maxRestarts: 5,
  restartWindowMs: 60_000,
  firstPort: 5000,
  portStepPerProcess: 100,
  socketMode: 0o660,
  socketBacklog: 1024,
} as const;
