// The trace panel every live view gets: the recorded operations, protocol messages and faults
// as a space-time diagram (one lane per operation kind, per node that sends messages, and one
// for faults), with /check's verdict on top and the operations it names highlighted. A slider
// scrubs through time and steps event by event; at its right end the panel follows live.

/* global d3 */

import { pictureSvg } from './picture-svg.js';

const pollMs = 2000;
const laneHeight = 26;
const margin = { top: 18, right: 16, bottom: 22, left: 150 };

function loadD3() {
  if (globalThis.d3) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const script = document.createElement('script');
    script.src = '/lab-kit/vendor/d3.min.js';
    script.onload = () => resolve();
    script.onerror = () => reject(new Error('d3 did not load'));
    document.head.append(script);
  });
}

/** Every number a checker's counter-example gives under an id-like key: the operations to highlight. */
function violatingIds(violation) {
  const ids = new Set();
  const walk = (value, key) => {
    if (typeof value === 'number' && /^(id|operation|ids|operations|read|write)$/i.test(key)) ids.add(value);
    else if (Array.isArray(value)) value.forEach((v) => walk(v, key));
    else if (value && typeof value === 'object') for (const [k, v] of Object.entries(value)) walk(v, k);
  };
  walk(violation, '');
  return ids;
}

function element(tag, className, text) {
  const el = document.createElement(tag);
  if (className) el.className = className;
  if (text !== undefined) el.textContent = text;
  return el;
}

function labelled(input, text) {
  const label = element('label', 'lab-trace__control', text);
  label.prepend(input);
  return label;
}

/** Adds the trace panel below the page; returns nothing, it keeps itself up to date. */
export function startTrace(container) {
  const section = element('section', 'lab-trace');
  section.setAttribute('aria-label', 'trace');
  const heading = element('h2', '', 'Trace: operations, messages and faults');
  const verdict = element('p', 'lab-trace__verdict', 'check: not run yet');
  verdict.id = 'lab-trace-verdict';
  const controls = element('div', 'lab-trace__controls');
  const slider = element('input');
  slider.type = 'range';
  slider.min = '0';
  slider.max = '1000';
  slider.value = '1000';
  slider.id = 'lab-trace-slider';
  const back = element('button', '', '◀ step');
  back.type = 'button';
  back.setAttribute('aria-label', 'step back one event');
  const forward = element('button', '', 'step ▶');
  forward.type = 'button';
  forward.setAttribute('aria-label', 'step forward one event');
  const follow = element('input');
  follow.type = 'checkbox';
  follow.checked = true;
  follow.id = 'lab-trace-follow';
  const file = element('input');
  file.type = 'file';
  file.accept = 'application/json,.json';
  const save = element('a', '', 'save trace');
  save.href = '/trace?limit=10000';
  save.download = 'trace.json';
  const clock = element('span', 'lab-trace__clock', '');
  clock.id = 'lab-trace-clock';
  controls.append(
    labelled(slider, 'time '),
    back,
    forward,
    labelled(follow, ' follow live'),
    labelled(file, 'load a saved trace '),
    save,
    clock,
  );
  const figure = element('div', 'lab-trace__figure');
  figure.id = 'lab-trace-figure';
  const details = element(
    'pre',
    'lab-trace__details',
    'Click an operation, a message or a fault to see what it carried.',
  );
  details.id = 'lab-trace-details';
  details.tabIndex = 0;
  details.setAttribute('aria-label', 'selected trace entry');
  section.append(heading, verdict, controls, figure, details);
  container.append(section);

  let trace = { operations: [], events: [] };
  let highlighted = new Set();
  let times = [];

  const extent = () => {
    const all = [
      ...trace.operations.flatMap((o) => [o.invokedAt, o.completedAt ?? o.invokedAt]),
      ...trace.events.map((e) => e.at),
    ];
    if (all.length === 0) return [0, 1];
    return [Math.min(...all), Math.max(...all, Math.min(...all) + 1)];
  };
  const sliderTime = () => {
    const [t0, t1] = extent();
    return t0 + ((t1 - t0) * Number(slider.value)) / 1000;
  };

  function draw() {
    if (!globalThis.d3) return;
    const [t0, t1] = extent();
    const until = sliderTime();
    clock.textContent = `${Math.round(until - t0)} ms of ${Math.round(t1 - t0)} ms · ${trace.operations.length} operations, ${trace.events.length} events`;
    const kinds = [
      ...new Set(trace.operations.map((o) => `${trace.instance ?? 'service'}: ${o.kind}`)),
    ].sort();
    const nodes = [
      ...new Set(trace.events.filter((e) => e.type === 'message').flatMap((e) => [e.from, e.to])),
    ].sort();
    const lanes = [...kinds, ...nodes, 'faults'];
    const width = Math.max(320, figure.clientWidth);
    const height = margin.top + margin.bottom + lanes.length * laneHeight;
    const x = d3
      .scaleLinear()
      .domain([t0, t1])
      .range([margin.left, width - margin.right]);
    const y = d3
      .scaleBand()
      .domain(lanes)
      .range([margin.top, height - margin.bottom])
      .padding(0.25);
    const svg = pictureSvg(figure, {
      width,
      height,
      label: `space-time diagram of ${trace.operations.length} operations and ${trace.events.length} events`,
    });
    svg
      .selectAll('g.lab-trace__axis')
      .data([null])
      .join('g')
      .attr('class', 'lab-trace__axis')
      .attr('transform', `translate(0,${height - margin.bottom})`)
      .call(
        d3
          .axisBottom(x)
          .ticks(6)
          .tickFormat((t) => `${((t - t0) / 1000).toFixed(1)}s`),
      );
    svg
      .selectAll('text.lab-trace__lane')
      .data(lanes)
      .join('text')
      .attr('class', 'lab-trace__lane')
      .attr('x', 4)
      .attr('y', (d) => (y(d) ?? 0) + y.bandwidth() / 2 + 4)
      .text((d) => d);
    const opLane = (o) => `${trace.instance ?? 'service'}: ${o.kind}`;
    svg
      .selectAll('rect.lab-trace__op')
      .data(trace.operations, (o) => o.id)
      .join('rect')
      .attr(
        'class',
        (o) =>
          `lab-trace__op lab-trace__op--${o.outcome ?? 'pending'}${highlighted.has(o.id) ? ' lab-trace__op--violation' : ''}`,
      )
      .attr('x', (o) => x(o.invokedAt))
      .attr('width', (o) => Math.max(2, x(o.completedAt ?? t1) - x(o.invokedAt)))
      .attr('y', (o) => y(opLane(o)) ?? 0)
      .attr('height', y.bandwidth())
      .attr('opacity', (o) => (o.invokedAt <= until ? 1 : 0.12))
      .on('click', (_event, o) => {
        details.textContent = JSON.stringify(o, null, 2);
      });
    const messages = trace.events.filter((e) => e.type === 'message' && nodes.includes(e.from));
    svg
      .selectAll('line.lab-trace__message')
      .data(messages, (e) => e.seq)
      .join('line')
      .attr('class', 'lab-trace__message')
      .attr('x1', (e) => x(e.at))
      .attr('x2', (e) => x(e.at) + 6)
      .attr('y1', (e) => (y(e.from) ?? 0) + y.bandwidth() / 2)
      .attr('y2', (e) => (y(e.to) ?? 0) + y.bandwidth() / 2)
      .attr('opacity', (e) => (e.at <= until ? 1 : 0.12))
      .on('click', (_event, e) => {
        details.textContent = JSON.stringify(e, null, 2);
      });
    svg
      .selectAll('rect.lab-trace__fault')
      .data(
        trace.events.filter((e) => e.type === 'fault'),
        (e) => e.seq,
      )
      .join('rect')
      .attr('class', 'lab-trace__fault')
      .attr('x', (e) => x(e.at) - 2)
      .attr('width', 4)
      .attr('y', margin.top)
      .attr('height', height - margin.top - margin.bottom)
      .attr('opacity', (e) => (e.at <= until ? 0.8 : 0.12))
      .on('click', (_event, e) => {
        details.textContent = JSON.stringify(e, null, 2);
      })
      // Beneath the operations and messages: a fault crosses every lane, and drawn on top it hid the
      // operation under it from the pointer. It stays clickable in its own lane and between lanes.
      .lower();
    svg
      .selectAll('line.lab-trace__now')
      .data([until])
      .join('line')
      .attr('class', 'lab-trace__now')
      .attr('x1', (t) => x(t))
      .attr('x2', (t) => x(t))
      .attr('y1', margin.top)
      .attr('y2', height - margin.bottom);
  }

  function show(next) {
    trace = next;
    times = [
      ...trace.operations.flatMap((o) => [o.invokedAt, ...(o.completedAt ? [o.completedAt] : [])]),
      ...trace.events.map((e) => e.at),
    ].sort((a, b) => a - b);
    draw();
  }

  async function poll() {
    if (!follow.checked) return;
    try {
      const [traceAnswer, checkAnswer] = await Promise.all([fetch('/trace'), fetch('/check')]);
      const check = await checkAnswer.json();
      verdict.textContent = `check: ${check.valid ? 'valid' : 'INVALID'}: ${check.summary}`;
      verdict.className = `lab-trace__verdict lab-trace__verdict--${check.valid ? 'valid' : 'invalid'}`;
      highlighted = check.valid ? new Set() : violatingIds(check.firstViolation);
      show(await traceAnswer.json());
    } catch {
      // The service is down or paused: keep the last picture; the header says so.
    }
  }

  const stepTo = (direction) => {
    follow.checked = false;
    const now = sliderTime();
    const target =
      direction > 0 ? times.find((t) => t > now + 0.5) : [...times].reverse().find((t) => t < now - 0.5);
    if (target === undefined) return;
    const [t0, t1] = extent();
    slider.value = String(Math.round(((target - t0) / (t1 - t0)) * 1000));
    draw();
  };
  back.addEventListener('click', () => stepTo(-1));
  forward.addEventListener('click', () => stepTo(1));
  slider.addEventListener('input', () => {
    follow.checked = slider.value === '1000';
    draw();
  });
  follow.addEventListener('change', () => {
    if (follow.checked) {
      slider.value = '1000';
      void poll();
    }
  });
  file.addEventListener('change', async () => {
    const chosen = file.files?.[0];
    if (!chosen) return;
    try {
      const loaded = JSON.parse(await chosen.text());
      if (loaded.format !== 'kvs-lab-trace/1') throw new Error('not a kvs-lab-trace/1 file');
      follow.checked = false;
      verdict.textContent = `a saved trace of ${loaded.instance}, captured ${new Date(loaded.capturedAt).toLocaleString()}`;
      show(loaded);
    } catch (error) {
      details.textContent = `That file could not be read: ${error.message}`;
    }
  });
  window.addEventListener('resize', draw);
  loadD3()
    .then(poll)
    .catch((error) => {
      figure.textContent = `The diagram needs d3: ${error.message}`;
    });
  setInterval(poll, pollMs);
}
