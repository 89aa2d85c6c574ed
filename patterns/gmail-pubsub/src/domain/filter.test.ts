import { describe, expect, it } from 'vitest';
import { filterLimits, isEmptyFilter, matchesFilter, parseFilter } from './filter.ts';

const mail = { from: 'Boss@Example.com', subject: 'Quarterly REPORT due', labels: ['work', 'urgent'] };

describe('filter language', () => {
  it('when no filter is given, then everything matches', () => {
    const parsed = parseFilter(undefined);
    expect(parsed.ok && isEmptyFilter(parsed.filter) && matchesFilter(parsed.filter, mail)).toBe(true);
  });

  it('when from is given, then it matches the sender exactly, ignoring case', () => {
    const parsed = parseFilter({ from: 'boss@example.COM' });
    if (!parsed.ok) throw new Error(parsed.detail);
    expect(matchesFilter(parsed.filter, mail)).toBe(true);
    expect(matchesFilter(parsed.filter, { ...mail, from: 'boss@example.com.evil' })).toBe(false);
  });

  it('when subjectContains is given, then it is a literal substring, so regex characters have no power', () => {
    const parsed = parseFilter({ subjectContains: 'report' });
    if (!parsed.ok) throw new Error(parsed.detail);
    expect(matchesFilter(parsed.filter, mail)).toBe(true);
    const dot = parseFilter({ subjectContains: '.*' });
    if (!dot.ok) throw new Error(dot.detail);
    expect(matchesFilter(dot.filter, mail)).toBe(false);
    expect(matchesFilter(dot.filter, { ...mail, subject: 'literally .* here' })).toBe(true);
  });

  it('when labels are given, then any one carried label is enough and all conditions must hold', () => {
    const parsed = parseFilter({ labels: ['Personal', 'urgent'], from: 'boss@example.com' });
    if (!parsed.ok) throw new Error(parsed.detail);
    expect(matchesFilter(parsed.filter, mail)).toBe(true);
    expect(matchesFilter(parsed.filter, { ...mail, labels: ['personal'], from: 'x@y.z' })).toBe(false);
    expect(matchesFilter(parsed.filter, { ...mail, labels: [] })).toBe(false);
  });

  it('when a field asks for a regular expression or anything unknown, then the filter is refused', () => {
    expect(parseFilter({ subjectRegex: '(a+)+$' })).toMatchObject({ ok: false, code: 'FILTER_INVALID' });
    expect(parseFilter('from=x')).toMatchObject({ ok: false, code: 'FILTER_INVALID' });
    expect(parseFilter([])).toMatchObject({ ok: false, code: 'FILTER_INVALID' });
    expect(parseFilter({ from: 42 })).toMatchObject({ ok: false, code: 'FILTER_INVALID' });
    expect(parseFilter({ labels: [1] })).toMatchObject({ ok: false, code: 'FILTER_INVALID' });
  });

  it('when a field is over its bound, then the filter is refused as too large', () => {
    expect(
      parseFilter({ subjectContains: 'x'.repeat(filterLimits.subjectContainsMaxChars + 1) }),
    ).toMatchObject({
      ok: false,
      code: 'FILTER_TOO_LARGE',
    });
    expect(parseFilter({ from: 'x'.repeat(filterLimits.fromMaxChars + 1) })).toMatchObject({
      code: 'FILTER_TOO_LARGE',
    });
    expect(
      parseFilter({ labels: Array.from({ length: filterLimits.labelsMax + 1 }, (_, i) => `l${i}`) }),
    ).toMatchObject({
      code: 'FILTER_TOO_LARGE',
    });
    expect(parseFilter({ labels: ['y'.repeat(filterLimits.labelMaxChars + 1)] })).toMatchObject({
      code: 'FILTER_TOO_LARGE',
    });
  });

  it('when labels repeat in different case, then the canonical filter holds each once', () => {
    const parsed = parseFilter({ labels: ['Work', 'work', 'WORK'] });
    expect(parsed).toEqual({ ok: true, filter: { labels: ['work'] } });
  });
});
