/**
 * A queue's service figures over a sliding window: service level = answered within serviceLevelSec /
 * (answered + abandoned), abandon rate = abandoned / (answered + abandoned). Every caller hangup while waiting or
 * ringing an agent counts as abandoned, however short. Overflowed calls and callback requests count in neither.
 */
interface Outcome {
  at: number;
  answered: boolean;
  inService: boolean;
}

export class QueueStats {
  private events: Outcome[] = [];
  private head = 0;

  recordAnswered(at: number, inService: boolean): void {
    this.events.push({ at, answered: true, inService });
  }

  recordAbandoned(at: number): void {
    this.events.push({ at, answered: false, inService: false });
  }

  figures(now: number, windowMs: number): { serviceLevel: number | null; abandonRate: number | null } {
    const from = now - windowMs;
    while (this.head < this.events.length && this.events[this.head]!.at < from) this.head++;
    if (this.head > 1024 && this.head * 2 > this.events.length) {
      this.events = this.events.slice(this.head);
      this.head = 0;
    }
    let total = 0;
    let inService = 0;
    let abandoned = 0;
    for (let i = this.head; i < this.events.length; i++) {
      const e = this.events[i]!;
      total++;
      if (e.inService) inService++;
      if (!e.answered) abandoned++;
    }
    if (total === 0) return { serviceLevel: null, abandonRate: null };
    return { serviceLevel: inService / total, abandonRate: abandoned / total };
  }
}
