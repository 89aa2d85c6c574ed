// The home page: one row per pattern, refreshed from /api/patterns every few seconds.

const el = (tag, className, text) => {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
};

const link = (href, text) => {
  const a = el('a', '', text);
  a.href = href;
  return a;
};

function row(pattern) {
  const tr = el('tr');
  tr.dataset.pattern = pattern.name;
  const name = el('td');
  name.append(el('strong', '', pattern.name), el('br'), link(pattern.readme, 'README and exercises'));
  tr.append(name, el('td', '', `${pattern.summary} (${pattern.cap})`));
  tr.append(el('td', '', pattern.engines.length > 0 ? pattern.engines.join(', ') : 'one'));
  const running = el('td');
  const verdicts = el('td');
  if (pattern.running) {
    const engine = pattern.running.engine ? ` (${pattern.running.engine})` : '';
    running.append(el('span', 'home-valid', `running${engine}`));
    for (const service of pattern.running.services) {
      running.append(el('br'), link(`${service.url}/`, `${service.name} live view`), el('span', '', ' · '));
      running.append(link(`${service.url}/docs`, 'API'));
    }
    for (const check of pattern.running.checks) {
      const state = check.valid === true ? 'valid' : check.valid === false ? 'INVALID' : 'unknown';
      const line = el(
        'div',
        check.valid === false ? 'home-invalid' : check.valid ? 'home-valid' : 'home-idle',
      );
      line.textContent = `${check.service}: ${state}`;
      line.title = check.summary;
      line.dataset.verdict = state;
      verdicts.append(line);
    }
  } else {
    running.append(el('span', 'home-idle', 'stopped'));
  }
  tr.append(running, verdicts);
  return tr;
}

async function refresh() {
  try {
    const response = await fetch('/api/patterns');
    const { patterns } = await response.json();
    document.getElementById('patterns').replaceChildren(...patterns.map(row));
  } catch {
    // The home server is gone or busy: keep the last picture.
  }
}

await refresh();
setInterval(refresh, 3000);
