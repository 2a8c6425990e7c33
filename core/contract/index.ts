// The contract is pure: zod and types only, importable from every layer including the renderer.
export * from './audit.js';
export * from './bridge.js';
export * from './commands.js';
export * from './errors.js';
export * from './events.js';
export * from './settings.js';
export * from './wire.js';
export * from './ipam.js';
export * from './nat.js';
export * from './inventory-commands.js';
export * from './csp-safe-validation.js';
export * from './helper-commands.js';
export * from './certificate-commands.js';
export * from './enrollment-commands.js';
