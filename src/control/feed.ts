// What the event stream (GET /v1/events) carries: state changes and, for followers, output lines.
// Output lines are only looked at while someone follows them, so an app nobody watches pays nothing.

import type { Origin } from '../logs/console';

export interface StateEvent {
  readonly instance: string;
  readonly from: string;
  readonly to: string;
  readonly pid: number | null;
  readonly at: number;
}

export interface LineEvent {
  readonly instance: string;
  readonly stream: Origin;
  readonly time: number;
  readonly text: string;
}

export interface Subscriber {
  /** Which instances this subscriber wants. */
  wants(instance: string): boolean;
  readonly lines: boolean;
  state(event: StateEvent): void;
  line(event: LineEvent): void;
}

export class LiveFeed {
  private readonly subscribers = new Set<Subscriber>();
  private lineSubscribers = 0;

  /** Called with true when the first line follower arrives and false when the last one leaves. */
  constructor(private readonly onFollowing: (following: boolean) => void) {}

  subscribe(subscriber: Subscriber): () => void {
    this.subscribers.add(subscriber);
    if (subscriber.lines && this.lineSubscribers++ === 0) this.onFollowing(true);
    let subscribed = true;
    return () => {
      if (!subscribed) return;
      subscribed = false;
      this.subscribers.delete(subscriber);
      if (subscriber.lines && --this.lineSubscribers === 0) this.onFollowing(false);
    };
  }

  get following(): boolean {
    return this.lineSubscribers > 0;
  }

  state(event: StateEvent): void {
    for (const s of this.subscribers) if (s.wants(event.instance)) s.state(event);
  }

  line(event: LineEvent): void {
    if (this.lineSubscribers === 0) return;
    for (const s of this.subscribers) if (s.lines && s.wants(event.instance)) s.line(event);
  }
}
