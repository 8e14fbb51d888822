// An EventRecorder that keeps what it was given (hook tests read it back).
import type { EventRecorder, InvolvedObject } from '../../lib/clients/kube.ts';
import type { EventSpec } from '../../lib/events.ts';

export class MemoryEvents implements EventRecorder {
  readonly recorded: Array<{ obj: InvolvedObject; event: EventSpec }> = [];
  record(obj: InvolvedObject, event: EventSpec): void {
    this.recorded.push({ obj, event });
  }
  flush(): Promise<void> {
    return Promise.resolve();
  }
}
