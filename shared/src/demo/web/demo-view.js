// The demo's own drawing: one card per counter. Everything else (layout,
// socket, event log) comes from the kit's lab-client.js.
import { startLab } from '/lab-kit/lab-client.js';

const counters = new Map();

const { view } = startLab({
  title: 'kit demo: counters',
  onSnapshot: (state) => {
    for (const [name, value] of Object.entries(state.counters)) counters.set(name, value);
    draw();
  },
  on: {
    'counter:changed': ({ name, value }) => {
      counters.set(name, value);
      draw();
    },
  },
});

function draw() {
  view.replaceChildren(
    ...[...counters.entries()].sort().map(([name, value]) => {
      const card = document.createElement('div');
      card.className = 'lab-card';
      card.dataset.counter = name;
      card.textContent = `${name}: ${value}`;
      return card;
    }),
  );
}
