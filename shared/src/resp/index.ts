export * from './resp2.ts';
