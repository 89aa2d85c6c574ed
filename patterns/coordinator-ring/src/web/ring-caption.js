// What the page says it shows, by engine: the hand-made Raft draws its own messages; on etcd,
// Raft runs inside etcd and the instances only see who won the campaign.

export const neutralTitle = 'coordinator ring: gossip, elections with terms, a replicated log';

export function titleFor(snapshot) {
  if (snapshot?.engine === 'etcd') return 'coordinator ring on etcd: instances elected through etcd';
  if (snapshot?.engine === 'raft')
    return 'coordinator ring on Raft: gossip, votes with terms, a replicated log';
  return neutralTitle;
}

export function captionFor(snapshot) {
  const self = snapshot?.ring?.self ?? 'this node';
  if (snapshot?.engine === 'etcd') {
    return (
      `${self}'s view. Raft runs inside etcd: its members vote and replicate, out of sight. ` +
      'Drawn here: the service instances, alive while their etcd lease lives, and the one that won the ' +
      "campaign (★); its term is the create revision of its campaign key, the commit index etcd's revision."
    );
  }
  return (
    `${self}'s view. Colours: its failure detector's verdict (gossip). Beside each node: the term, commit ` +
    'index and last log index that node last gossiped. Arrows: the messages ' +
    `${self} sends and receives, as GET /trace records them.`
  );
}

/** "term 4 · commit 12 / log 13", or what is unknown; the page splits it at the dot into two lines. */
export function progressText(progress) {
  if (!progress) return 'not heard yet';
  return `term ${progress.term} · commit ${progress.commitIndex} / log ${progress.lastLogIndex}`;
}
