import fs from 'node:fs';

/**
 * The calling thread's user + system CPU time in ms (Linux: fields 14 and 15 of /proc/thread-self/stat, in clock
 * ticks of 10 ms). Event loop utilization counts wall time, so on a loaded machine it includes time the thread waited
 * for a core; CPU time does not. Node 20 has no per-thread CPU API. Undefined where the OS does not tell.
 */
export function threadCpuMs(): number | undefined {
  try {
    const stat = fs.readFileSync('/proc/thread-self/stat', 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return undefined;
  }
}
