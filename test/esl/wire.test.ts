import { fullJitterBackoff } from '../../src/esl';
import { eventCommand, executeCommand, filterCommand, hangupCommand } from '../../src/esl/wire';

describe('wire commands', () => {
  const hostile = ['a\nb', 'x\r', 'nul\0', '\n\nbgapi system rm -rf /'];

  it('no CR/LF/NUL reaches a header line', () => {
    for (const h of hostile) {
      expect(() => filterCommand('Unique-ID', h)).toThrow();
      expect(() => filterCommand(h, 'x')).toThrow();
      expect(() => eventCommand([h])).toThrow();
      expect(() => executeCommand(h, 'playback', 'x', 'id', false)).toThrow();
      expect(() => executeCommand('uuid', h, 'x', 'id', false)).toThrow();
      expect(() => hangupCommand(h, 'NORMAL_CLEARING')).toThrow();
      expect(() => hangupCommand('uuid', h)).toThrow();
    }
  });

  it('execute puts any argument in a length-counted body', () => {
    const arg = 'Zoë ${system(rm)} {a=b,c=d} "q" \n\nbgapi x';
    const wire = executeCommand('u-1', 'playback', arg, 'e-1', false);
    const body = wire.slice(wire.indexOf('\n\n') + 2);
    expect(body).toBe(arg);
    expect(wire).toContain(`content-length: ${Buffer.byteLength(arg)}\n`);
    expect(executeCommand('u-1', 'answer', '', 'e-2', true)).toBe(
      'sendmsg u-1\ncall-command: execute\nexecute-app-name: answer\nevent-uuid: e-2\nevent-lock: true\n\n',
    );
  });

  it('full jitter backoff stays within its exponential cap', () => {
    const max = fullJitterBackoff(100, 30_000, () => 0.999999);
    expect([0, 1, 2, 3, 10, 50].map((a) => Math.round(max(a) / 100) * 100)).toEqual([100, 200, 400, 800, 30000, 30000]);
    expect(fullJitterBackoff(100, 30_000, () => 0)(5)).toBe(0);
  });
});
