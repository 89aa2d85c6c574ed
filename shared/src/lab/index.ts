export * from './registry.ts';
export { readLabStatus, type LabStatus, type PatternStatus, type ProcessStatus } from './lab-status.ts';
export { labSettings, type LabSettings } from './lab-settings.ts';
export { offsetTopology } from './port-offset.ts';
export { topologyAtSize, sizedVariants } from './topology-size.ts';
export { ServiceProcess, type ServiceProcessOptions } from './service-process.ts';
