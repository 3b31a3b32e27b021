import { describe, expect, it } from 'vitest';
import { serialize } from '../../src/expose/text.js';
import { hostBody, mergePart, withCheckLabel } from '../../src/sinks/host-body.js';
import type { MetricFamily } from '../../src/metrics/types.js';

const fam = (
  name: string,
  type: MetricFamily['type'],
  value: number,
  labels: Record<string, string> = {},
): MetricFamily => ({
  name,
  type,
  help: `${name} help.`,
  samples: [{ name, labels, value }],
});

describe('host body', () => {
  it("labels every sample of a check with it, the agent's own as they are, without touching the input", () => {
    const input = [fam('x', 'gauge', 1, { mount: '/' })];
    expect(withCheckLabel('disk', input)[0]!.samples[0]!.labels).toEqual({ mount: '/', check: 'disk' });
    expect(input[0]!.samples[0]!.labels).toEqual({ mount: '/' });
    expect(withCheckLabel(undefined, input)).toEqual(input);
  });

  it('merges same-named families of several checks into one, samples sorted by the serializer', () => {
    const { families, conflicts } = hostBody([
      ['b', withCheckLabel('b', [fam('x', 'gauge', 2)])],
      ['a', withCheckLabel('a', [fam('x', 'gauge', 1), fam('y', 'counter', 3)])],
    ]);
    expect(conflicts).toEqual([]);
    expect(serialize(families)).toBe(
      '# HELP x x help.\n# TYPE x gauge\nx{check="a"} 1\nx{check="b"} 2\n# HELP y y help.\n# TYPE y counter\ny{check="a"} 3\n',
    );
  });

  it('leaves out a family whose type differs from the one taken, and names it', () => {
    const { families, conflicts } = hostBody([
      ['a', [fam('x', 'gauge', 1)]],
      ['b', [fam('x', 'counter', 2)]],
    ]);
    expect(families.map((f) => [f.name, f.type, f.samples.length])).toEqual([['x', 'gauge', 1]]);
    expect(conflicts).toEqual(['b/x']);
  });

  it('a merge report replaces only its families of the same names', () => {
    expect(
      mergePart([fam('x', 'gauge', 1), fam('y', 'gauge', 1)], [fam('y', 'gauge', 2)]).map((f) => [
        f.name,
        f.samples[0]!.value,
      ]),
    ).toEqual([
      ['x', 1],
      ['y', 2],
    ]);
  });
});
