// The elections a node took part in, from the vote messages it sent or received (the same
// messages GET /trace holds): per term and candidate, who was asked, who granted, who refused.

const majority = (size) => Math.floor(size / 2) + 1;

/**
 * messages: { from, to, kind, detail: { term } }[], oldest first; clusterSize: members in the ring.
 * Answers newest term first: { term, candidate, asked, granted, denied, isWon } where isWon counts
 * the candidate's own vote, and is null when this node cannot know (it saw only its own vote).
 */
export function electionsFrom(messages, clusterSize, self) {
  const byKey = new Map();
  const entry = (term, candidate) => {
    const key = `${term}|${candidate}`;
    if (!byKey.has(key))
      byKey.set(key, { term, candidate, asked: new Set(), granted: new Set(), denied: new Set() });
    return byKey.get(key);
  };
  for (const m of messages) {
    const term = m.detail?.term;
    if (typeof term !== 'number') continue;
    if (m.kind === 'request-vote') entry(term, m.from).asked.add(m.to);
    else if (m.kind === 'vote-granted') entry(term, m.to).granted.add(m.from);
    else if (m.kind === 'vote-denied') entry(term, m.to).denied.add(m.from);
  }
  return [...byKey.values()]
    .map((e) => {
      const votes = e.granted.size + 1;
      // Only the candidate hears every answer; a voter knows its own vote, not the tally.
      const isWon = e.candidate === self ? votes >= majority(clusterSize) : null;
      return {
        term: e.term,
        candidate: e.candidate,
        asked: [...e.asked].sort(),
        granted: [...e.granted].sort(),
        denied: [...e.denied].sort(),
        isWon,
      };
    })
    .sort((a, b) => b.term - a.term || a.candidate.localeCompare(b.candidate));
}
