// One colour per shard, light enough to read as text on the kit's dark panels (axe-core checks it).
const palette = ['#6cb6ff', '#ffa657', '#7ee787', '#d2a8ff', '#ff9492', '#56d4dd'];

export function shardColor(shardId) {
  const n = Number(String(shardId).replace(/\D+/g, '')) - 1;
  return palette[(Number.isFinite(n) && n >= 0 ? n : 0) % palette.length];
}
