export { kitWebDir, liveNamespace, mountLiveView } from './live-view.ts';
export type { KitLiveEvents, LiveChannel, LiveEventMap, LiveEventName } from './live-view.ts';
export { probeLiveView, type LiveViewProbe } from './live-view-probe.ts';
export { pageShellHtml, type PageShell } from './page-shell.ts';
